using Sublet.Kubelet.Plan;
using Sublet.Linux.Files;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Sandboxes;
using Sublet.Runtime.State;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// Carries out <see cref="PodSync.Decide"/> for one pod: starts what is due, puts containers in
/// back-off, ends the pod. Called by <c>play</c> and by every conmon exit hook; a lock file in the
/// pod's state directory makes them take turns (flock(2)), so two exits never start one container twice.
/// </summary>
public sealed class PodSyncer
{
    private readonly RuntimeContext _ctx;

    public PodSyncer(RuntimeContext ctx) => _ctx = ctx;

    public BackoffPolicy Backoff => _ctx.Config.RestartBackoffSeconds is var s && s > 0
        ? BackoffPolicy.Kubelet with { Initial = TimeSpan.FromSeconds(s), Max = TimeSpan.FromSeconds(s * 30) }
        : BackoffPolicy.Kubelet;

    /// <summary>Brings the pod as far as it can go now.</summary>
    /// <param name="startErrors">True (play): a container that cannot start fails the call. False (hooks): it is recorded as ended with reason StartError, as the kubelet does.</param>
    /// <returns>When the next back-off ends and the pod needs another look; null when nothing is waiting.</returns>
    public DateTimeOffset? Sync(string podId, bool startErrors)
    {
        using var held = PodLock.ForSync(_ctx.Paths(podId));
        if (held is null)
        {
            return null; // removed, or being removed
        }
        // Up to one start per container per call: a container that cannot start goes to back-off, not round again.
        for (var round = 0; round < 64; round++)
        {
            if (_ctx.Store.FindPod(podId) is not { State: PodState.Running } pod)
            {
                return null; // removed, ended, or still being created by play
            }
            var view = new PodStatus(_ctx).View(pod, record: true);
            if (view.Pod.State != PodState.Running)
            {
                return null; // ended, or its processes are gone (PodLiveness)
            }
            var plan = view.Plan;
            var actions = PodSync.Decide(plan, view.Containers, _ctx.Time.GetUtcNow(), Backoff);
            var started = false;
            DateTimeOffset? due = null;
            foreach (var action in actions)
            {
                switch (action)
                {
                    case PodAction.Start start:
                        StartOne(plan, pod, start.Container, view.Containers.FirstOrDefault(c => c.Name == start.Container.Name), startErrors);
                        started = true;
                        break;
                    case PodAction.StartAt wait:
                        var record = view.Containers.First(c => c.Name == wait.Container.Name);
                        if (record.State != ContainerState.Waiting || record.NextStart != wait.At)
                        {
                            _ctx.Store.UpdateContainer(record with { State = ContainerState.Waiting, NextStart = wait.At });
                        }
                        due = due is null || wait.At < due ? wait.At : due;
                        break;
                    case PodAction.StopSidecar stop:
                        StopSidecar(plan, view.Containers.First(c => c.Name == stop.Container.Name));
                        break;
                    case PodAction.Finish finish:
                        _ctx.Store.UpdatePod(pod with { State = finish.Phase == PodPhase.Succeeded ? PodState.Succeeded : PodState.Failed, Reason = finish.Reason });
                        return null;
                }
            }
            if (!started)
            {
                return due;
            }
        }
        return null;
    }

    private void StartOne(PodPlan plan, PodRecord pod, ContainerPlan container, ContainerRecord? previous, bool startErrors)
    {
        try
        {
            new ContainerRunner(_ctx).Start(plan, pod, container, previous);
        }
        catch (Exception e) when (!startErrors && e is not OutOfMemoryException)
        {
            // kubelet: a container that fails to start is terminated with reason StartError, exit code 128.
            var now = _ctx.Time.GetUtcNow();
            var failed = (_ctx.Store.Containers(pod.Id).FirstOrDefault(c => c.Name == container.Name) ?? new ContainerRecord
            {
                Id = RuntimeCore.NewId(), PodId = pod.Id, Name = container.Name, Image = container.Image,
            }) with { State = ContainerState.Exited, ExitCode = 128, Reason = "StartError", Started = now, Finished = now, Pid = null };
            _ctx.Store.SaveContainer(failed, ContainerRunner.Ordinal(plan, container));
            File.AppendAllText(ContainerLogs.Current(_ctx.Paths(pod.Id), failed) is var log && Directory.Exists(Path.GetDirectoryName(log)) ? log : "/dev/null",
                $"{now:yyyy-MM-ddTHH:mm:ss.fffffffZ} stderr F sublet: {e.Message}\n");
        }
    }

    /// <summary>
    /// Its stop signal (the image's STOPSIGNAL, else SIGTERM), then SIGKILL once the pod's grace
    /// period has passed, as the kubelet stops a sidecar through StopContainer (a shell as PID 1
    /// ignores SIGTERM). Its exit runs its exit hook, whose sync then ends the pod.
    /// </summary>
    private void StopSidecar(PodPlan plan, ContainerRecord sidecar) =>
        new RuntimeCore(_ctx).StopContainer(sidecar.Id, TimeSpan.FromSeconds(Math.Clamp(plan.TerminationGracePeriodSeconds, 0, 300)));

    /// <summary>The plan recorded with a pod.</summary>
    public static PodPlan PlanOf(PodRecord pod) => StoredPlan.Read(pod.PlanJson);
}
