using Sublet.Kubelet.Plan;
using Sublet.Runtime.State;

namespace Sublet.Kubelet.Pods;

/// <summary>One thing to do to bring a pod closer to its plan.</summary>
public abstract record PodAction
{
    /// <summary>Start (or start again) a container now.</summary>
    public sealed record Start(ContainerPlan Container) : PodAction;

    /// <summary>Start a container again once its back-off has passed (CrashLoopBackOff until then).</summary>
    public sealed record StartAt(ContainerPlan Container, DateTimeOffset At, TimeSpan Delay) : PodAction;

    /// <summary>Stop a native sidecar that still runs: the pod's other containers are done (KEP-753).</summary>
    public sealed record StopSidecar(ContainerPlan Container) : PodAction;

    /// <summary>Nothing will run any more: the pod has ended.</summary>
    public sealed record Finish(PodPhase Phase, string Reason) : PodAction;
}

public enum PodPhase
{
    Succeeded,
    Failed,
}

/// <summary>The kubelet's restart back-off: 10 s doubling to 5 min, forgotten after 10 min of running.</summary>
public sealed record BackoffPolicy(TimeSpan Initial, TimeSpan Max, TimeSpan ResetAfter)
{
    /// <summary>pkg/kubelet/kubelet.go: backOffPeriod = 10 s, MaxContainerBackOff = 300 s.</summary>
    public static readonly BackoffPolicy Kubelet = new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10));

    /// <summary>Delay before restart number <paramref name="restarts"/> + 1.</summary>
    public TimeSpan Delay(int restarts)
    {
        var delay = Initial;
        for (var i = 0; i < restarts && delay < Max; i++)
        {
            delay += delay;
        }
        return delay < Max ? delay : Max;
    }
}

/// <summary>
/// Decides what a pod needs next from its plan and what its containers did, as the kubelet's
/// computePodActions does (pkg/kubelet/kuberuntime/kuberuntime_manager.go). Pure: the same
/// decision is made by <c>play</c> and by each conmon exit hook, whichever runs.
/// </summary>
public static class PodSync
{
    public static IReadOnlyList<PodAction> Decide(PodPlan plan, IReadOnlyList<ContainerRecord> records, DateTimeOffset now, BackoffPolicy backoff)
    {
        var byName = records.ToDictionary(r => r.Name);
        // A container in back-off is started once its time has come, and waits otherwise.
        PodAction? Due(ContainerPlan c, ContainerRecord r) => r.NextStart is { } at && at > now
            ? new PodAction.StartAt(c, at, at - (r.Finished ?? now))
            : new PodAction.Start(c);
        ContainerRecord? Of(ContainerPlan c) => byName.GetValueOrDefault(c.Name);
        var actions = new List<PodAction>();

        // Init containers run one at a time, in order; a sidecar counts as done once it runs.
        foreach (var init in plan.InitContainers)
        {
            var record = Of(init);
            if (record is null || record.State == ContainerState.Created)
            {
                return record is null ? [new PodAction.Start(init)] : [];
            }
            if (record.State == ContainerState.Waiting)
            {
                actions.Add(Due(init, record)!);
                if (!init.Sidecar)
                {
                    return actions;
                }
                continue;
            }
            if (init.Sidecar)
            {
                if (record.State == ContainerState.Exited && !AppsFinished(plan, byName))
                {
                    actions.Add(Restart(init, record, now, backoff));
                }
                continue;
            }
            if (record.State == ContainerState.Running)
            {
                return actions;
            }
            if (record.ExitCode == 0)
            {
                continue;
            }
            // A failed init container: the pod fails under Never, is retried otherwise
            // (init containers restart under Always too: kubelet treats Always as OnFailure here).
            return plan.RestartPolicy == RestartPolicy.Never
                ? FinishOnceSidecarsStop(plan, byName, new PodAction.Finish(PodPhase.Failed, $"init container \"{init.Name}\" exited with {record.ExitCode}"))
                : [.. actions, Restart(init, record, now, backoff)];
        }

        var ended = 0;
        var failed = new List<string>();
        foreach (var app in plan.Containers)
        {
            var record = Of(app);
            if (record is null)
            {
                actions.Add(new PodAction.Start(app));
                continue;
            }
            if (record.State == ContainerState.Waiting)
            {
                actions.Add(Due(app, record)!);
                continue;
            }
            if (record.State != ContainerState.Exited)
            {
                continue;
            }
            var restart = plan.RestartPolicy switch
            {
                RestartPolicy.Always => true,
                RestartPolicy.OnFailure => record.ExitCode != 0,
                _ => false,
            };
            if (restart)
            {
                actions.Add(Restart(app, record, now, backoff));
                continue;
            }
            ended++;
            if (record.ExitCode != 0)
            {
                failed.Add($"container \"{app.Name}\" exited with {record.ExitCode}");
            }
        }
        if (ended == plan.Containers.Count)
        {
            // Sidecars are not restarted once the apps are done; running ones are stopped first.
            return FinishOnceSidecarsStop(plan, byName, failed.Count == 0
                ? new PodAction.Finish(PodPhase.Succeeded, "every container completed")
                : new PodAction.Finish(PodPhase.Failed, string.Join("; ", failed)));
        }
        return actions;
    }

    /// <summary>
    /// The pod ends only when its sidecars have: while one runs, it is stopped, in reverse order of
    /// the init containers (KEP-753 termination order), and the phase waits. A sidecar's own exit
    /// code does not decide the phase.
    /// </summary>
    private static IReadOnlyList<PodAction> FinishOnceSidecarsStop(PodPlan plan, IReadOnlyDictionary<string, ContainerRecord> byName, PodAction.Finish finish)
    {
        var running = plan.InitContainers.Where(c => c.Sidecar).Reverse()
            .Where(c => byName.GetValueOrDefault(c.Name) is { State: ContainerState.Running }).ToList();
        return running.Count > 0 ? [.. running.Select(c => new PodAction.StopSidecar(c))] : [finish];
    }

    private static bool AppsFinished(PodPlan plan, IReadOnlyDictionary<string, ContainerRecord> byName) =>
        plan.Containers.All(c => byName.GetValueOrDefault(c.Name) is { State: ContainerState.Exited } r
            && plan.RestartPolicy switch { RestartPolicy.Never => true, RestartPolicy.OnFailure => r.ExitCode == 0, _ => false });

    private static PodAction Restart(ContainerPlan container, ContainerRecord record, DateTimeOffset now, BackoffPolicy backoff)
    {
        // A container that ran long enough starts from the initial delay again.
        var ranFor = record.Finished - record.Started;
        var restarts = ranFor >= backoff.ResetAfter ? 0 : record.RestartCount;
        var delay = backoff.Delay(restarts);
        var at = (record.Finished ?? now) + delay;
        return at <= now ? new PodAction.Start(container) : new PodAction.StartAt(container, at, delay);
    }
}
