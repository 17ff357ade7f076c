using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.State;

namespace Sublet.Runtime.Tests;

/// <summary>The kubelet's pod lifecycle decisions (computePodActions), checked as a recorded schedule rather than wall-clock timing.</summary>
public sealed class PodSyncTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static PodPlan Pod(RestartPolicy policy, ContainerPlan[] init, params ContainerPlan[] apps) =>
        Plans.Pod("p", null, apps) with { RestartPolicy = policy, InitContainers = init };

    private static ContainerRecord Ran(string name, int? exit, int restarts = 0, double ranSeconds = 1, ContainerState? state = null, DateTimeOffset? next = null) => new()
    {
        Id = "p-" + name, PodId = "p", Name = name, Image = "img",
        State = state ?? (exit is null ? ContainerState.Running : ContainerState.Exited),
        ExitCode = exit, RestartCount = restarts, Started = T0 - TimeSpan.FromSeconds(ranSeconds), Finished = exit is null ? null : T0,
        NextStart = next,
    };

    private static IReadOnlyList<PodAction> Decide(PodPlan plan, params ContainerRecord[] records) =>
        PodSync.Decide(plan, records, T0, BackoffPolicy.Kubelet);

    [Fact]
    public void Init_containers_run_one_at_a_time_before_the_apps()
    {
        var plan = Pod(RestartPolicy.Never, [Plans.Container("i1"), Plans.Container("i2")], Plans.Container("a"), Plans.Container("b"));

        Assert.Equal(["i1"], Starts(Decide(plan)));
        Assert.Empty(Decide(plan, Ran("i1", null)));
        Assert.Equal(["i2"], Starts(Decide(plan, Ran("i1", 0))));
        Assert.Equal(["a", "b"], Starts(Decide(plan, Ran("i1", 0), Ran("i2", 0))));
    }

    [Fact]
    public void A_failed_init_container_fails_the_pod_under_Never_and_the_apps_never_start()
    {
        var plan = Pod(RestartPolicy.Never, [Plans.Container("i1")], Plans.Container("a"));
        var finish = Assert.IsType<PodAction.Finish>(Assert.Single(Decide(plan, Ran("i1", 2))));
        Assert.Equal(PodPhase.Failed, finish.Phase);
        Assert.Contains("\"i1\" exited with 2", finish.Reason);
    }

    [Theory]
    [InlineData(RestartPolicy.OnFailure)]
    [InlineData(RestartPolicy.Always)]
    public void A_failed_init_container_is_retried_with_back_off(RestartPolicy policy)
    {
        var plan = Pod(policy, [Plans.Container("i1")], Plans.Container("a"));
        var wait = Assert.IsType<PodAction.StartAt>(Assert.Single(Decide(plan, Ran("i1", 1))));
        Assert.Equal(T0 + TimeSpan.FromSeconds(10), wait.At);
    }

    [Theory]
    [InlineData(RestartPolicy.Never, 0, "Succeeded")]
    [InlineData(RestartPolicy.Never, 1, "Failed")]
    [InlineData(RestartPolicy.OnFailure, 0, "Succeeded")]
    [InlineData(RestartPolicy.OnFailure, 1, "restart")]
    [InlineData(RestartPolicy.Always, 0, "restart")]
    [InlineData(RestartPolicy.Always, 1, "restart")]
    public void An_ended_app_follows_the_restart_policy(RestartPolicy policy, int exit, string expected)
    {
        var action = Assert.Single(Decide(Pod(policy, [], Plans.Container("a")), Ran("a", exit)));
        var got = action switch
        {
            PodAction.Finish f => f.Phase.ToString(),
            PodAction.StartAt => "restart",
            _ => action.ToString(),
        };
        Assert.Equal(expected, got);
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(1, 20)]
    [InlineData(2, 40)]
    [InlineData(3, 80)]
    [InlineData(4, 160)]
    [InlineData(5, 300)]
    [InlineData(9, 300)]
    public void Back_off_doubles_from_10_seconds_to_5_minutes(int restarts, int seconds)
    {
        var wait = Assert.IsType<PodAction.StartAt>(Assert.Single(Decide(Pod(RestartPolicy.Always, [], Plans.Container("a")), Ran("a", 1, restarts))));
        Assert.Equal(TimeSpan.FromSeconds(seconds), wait.Delay);
    }

    [Fact]
    public void Back_off_is_forgotten_after_ten_minutes_of_running()
    {
        var wait = Assert.IsType<PodAction.StartAt>(Assert.Single(Decide(Pod(RestartPolicy.Always, [], Plans.Container("a")), Ran("a", 1, restarts: 6, ranSeconds: 601))));
        Assert.Equal(TimeSpan.FromSeconds(10), wait.Delay);
    }

    [Fact]
    public void A_waiting_container_starts_once_its_time_has_come()
    {
        var plan = Pod(RestartPolicy.Always, [], Plans.Container("a"));
        Assert.IsType<PodAction.StartAt>(Assert.Single(Decide(plan, Ran("a", 1, state: ContainerState.Waiting, next: T0 + TimeSpan.FromSeconds(5)))));
        Assert.Equal(["a"], Starts(Decide(plan, Ran("a", 1, state: ContainerState.Waiting, next: T0 - TimeSpan.FromSeconds(1)))));
    }

    [Fact]
    public void Sidecars_start_in_order_keep_running_and_do_not_hold_the_pod_open()
    {
        var sidecar = Plans.Container("proxy") with { Sidecar = true };
        var plan = Pod(RestartPolicy.Never, [sidecar, Plans.Container("setup")], Plans.Container("a"));

        Assert.Equal(["proxy"], Starts(Decide(plan)));
        Assert.Equal(["setup"], Starts(Decide(plan, Ran("proxy", null))));
        Assert.Equal(["a"], Starts(Decide(plan, Ran("proxy", null), Ran("setup", 0))));
        // A sidecar that dies while the app runs is restarted, even under Never.
        Assert.IsType<PodAction.StartAt>(Assert.Single(Decide(plan, Ran("proxy", 1), Ran("setup", 0), Ran("a", null))));
        // Once the app is done, the running sidecar is stopped and the pod ends only after it has
        // (regression, issue 20 item 4: readers marked the pod finished first, and the sidecar ran on).
        var stop = Assert.IsType<PodAction.StopSidecar>(Assert.Single(Decide(plan, Ran("proxy", null), Ran("setup", 0), Ran("a", 0))));
        Assert.Equal("proxy", stop.Container.Name);
        var finish = Assert.IsType<PodAction.Finish>(Assert.Single(Decide(plan, Ran("proxy", 143), Ran("setup", 0), Ran("a", 0))));
        Assert.Equal(PodPhase.Succeeded, finish.Phase); // the sidecar's exit code does not count
    }

    [Fact]
    public void Sidecars_are_stopped_last_first_when_an_init_container_fails_under_Never()
    {
        var plan = Pod(RestartPolicy.Never, [Plans.Container("log") with { Sidecar = true }, Plans.Container("proxy") with { Sidecar = true }, Plans.Container("setup")], Plans.Container("a"));

        var actions = Decide(plan, Ran("log", null), Ran("proxy", null), Ran("setup", 1));

        Assert.Equal(["proxy", "log"], actions.Select(a => Assert.IsType<PodAction.StopSidecar>(a).Container.Name));
        Assert.Equal(PodPhase.Failed, Assert.IsType<PodAction.Finish>(Assert.Single(Decide(plan, Ran("log", 143), Ran("proxy", 143), Ran("setup", 1)))).Phase);
    }

    private static List<string> Starts(IReadOnlyList<PodAction> actions) =>
        actions.Select(a => Assert.IsType<PodAction.Start>(a).Container.Name).ToList();
}
