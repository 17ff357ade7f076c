using Sublet.Linux.Processes;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.State;

namespace Sublet.Runtime.Tests;

public sealed class PodLivenessTests
{
    private static PodRecord Pod(PodState state = PodState.Running, string? boot = "boot-1", int? pid = 42, ulong? start = 1000) => new()
    {
        Id = "p", Name = "p", Namespace = "default", Uid = "u", PlanJson = "{}", State = state, BootId = boot, PausePid = pid, PauseStartTime = start,
    };

    // A fake /proc with one process: PID 42 started at tick 1000 (field 22 of stat).
    private static ProcFs Proc(TestDir dir)
    {
        dir.Write("42/stat", "42 (catatonit) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 1000 1000 100 0 0 0\n");
        return new ProcFs(dir.Path);
    }

    [Theory]
    [InlineData("boot-1", 42, 1000UL, null)]                 // alive
    [InlineData("boot-0", 42, 1000UL, "restarted")]          // another boot
    [InlineData("boot-1", 43, 1000UL, "sandbox")]            // no such process
    [InlineData("boot-1", 42, 999UL, "sandbox")]             // PID reused by another process
    public void A_pod_is_gone_after_a_reboot_or_when_its_sandbox_died(string boot, int pid, ulong start, string? reason)
    {
        using var dir = new TestDir();
        var gone = PodLiveness.GoneReason(Pod(boot: boot, pid: pid, start: start), Proc(dir), "boot-1");
        if (reason is null)
        {
            Assert.Null(gone);
        }
        else
        {
            Assert.Contains(reason, gone);
        }
    }

    [Fact]
    public void Ended_pods_are_left_as_they_are()
    {
        using var dir = new TestDir();
        Assert.Null(PodLiveness.GoneReason(Pod(PodState.Succeeded, boot: "old"), Proc(dir), "boot-1"));
    }

    [Fact]
    public void Marking_gone_ends_every_container_that_had_not_ended_as_unknown()
    {
        var now = DateTimeOffset.UnixEpoch;
        ContainerRecord C(string name, ContainerState state, int? exit = null) => new() { Id = "p-" + name, PodId = "p", Name = name, Image = "i", State = state, ExitCode = exit };
        var (pod, containers) = PodLiveness.MarkGone(Pod(), [C("done", ContainerState.Exited, 0), C("run", ContainerState.Running), C("wait", ContainerState.Waiting, 1)], "gone", now);

        Assert.Equal(PodState.Failed, pod.State);
        Assert.Equal([(0, "done"), (255, "run"), (255, "wait")], containers.Select(c => (c.ExitCode ?? -1, c.Name)));
        Assert.All(containers, c => Assert.Equal(ContainerState.Exited, c.State));
    }
}
