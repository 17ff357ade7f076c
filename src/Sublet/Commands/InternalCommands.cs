using System.CommandLine;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary>
/// Commands Sublet runs itself. conmon's --exit-command lands in <c>container-exited</c>; a
/// container put in back-off is restarted later by a detached <c>sync-pod</c> process that sleeps
/// until its time (podman's pattern: no resident daemon, DESIGN.md "No daemon for play").
/// </summary>
internal static class InternalCommands
{
    public static Command Create()
    {
        var id = new Argument<string>("container-id");
        var exited = new Command("container-exited", "Record a container's exit and apply the restart policy (run by conmon)") { id };
        exited.SetAction(parse => Cli.Run(parse, ctx =>
        {
            if (new PodStatus(ctx).PodOf(parse.GetValue(id)!) is { } pod
                && new PodSyncer(ctx).Sync(pod.Id, startErrors: false) is not null)
            {
                // conmon waits for this process: sleep out the back-off in a detached one.
                Detached.Start(Cli.Self(parse, "internal", "sync-pod", pod.Id));
            }
            if (new PodStatus(ctx).PodOf(parse.GetValue(id)!) is { State: PodState.Running })
            {
                LogRotation.Ensure(parse, ctx); // in case the rotator was stopped while the pod ran
            }
            return 0;
        }));

        var podId = new Argument<string>("pod-id");
        var sync = new Command("sync-pod", "Wait for the pod's next back-off to end and carry on (started by container-exited)") { podId };
        sync.SetAction(parse => Cli.Run(parse, ctx =>
        {
            // Registered so removal can end it (SyncWaiters); none when the pod is already going.
            using var registered = SyncWaiters.Register(ctx.Paths(parse.GetValue(podId)!), ctx.Proc);
            if (registered is null)
            {
                return 0;
            }
            var syncer = new PodSyncer(ctx);
            while (ctx.Store.FindPod(parse.GetValue(podId)!) is { State: PodState.Running } pod)
            {
                var waiting = ctx.Store.Containers(pod.Id).Where(c => c.State == ContainerState.Waiting && c.NextStart is not null).ToList();
                if (waiting.Count == 0)
                {
                    break;
                }
                var due = waiting.Min(c => c.NextStart!.Value);
                var delay = due - ctx.Time.GetUtcNow();
                if (delay > TimeSpan.Zero)
                {
                    Thread.Sleep(delay);
                }
                syncer.Sync(pod.Id, startErrors: false);
            }
            return 0;
        }));
        return new Command("internal", "Used by Sublet's own helpers") { Hidden = true, Subcommands = { exited, sync, LogRotation.Create() } };
    }
}
