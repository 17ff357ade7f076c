using System.CommandLine;
using Sublet.Runtime.Logs;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary><c>sublet logs POD [-c NAME] [-f | -p]</c>: a container's output from its CRI log, or its previous attempt's (kubectl logs --previous).</summary>
internal static class LogsCommand
{
    public static Command Create()
    {
        var pod = new Argument<string>("pod") { Description = "Pod name (NAMESPACE/NAME) or id" };
        var container = new Option<string?>("--container", "-c") { Description = "Container name (needed when the pod has several)" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep streaming until the container ends" };
        var previous = new Option<bool>("--previous", "-p") { Description = "Print the logs of the container's previous attempt (before its last restart)" };
        var command = new Command("logs", "Print a container's logs") { pod, container, follow, previous };
        command.SetAction(parse => Cli.Run(parse, ctx =>
        {
            if (ctx.Store.FindPod(parse.GetValue(pod)!) is not { } record)
            {
                return CriLogs(ctx, parse.GetValue(pod)!, parse.GetValue(container), parse.GetValue(follow), parse.GetValue(previous));
            }
            var status = new PodStatus(ctx);
            var containers = status.View(record).Containers;
            var chosen = Choose(record, containers, parse.GetValue(container));
            var paths = ctx.Paths(record.Id);
            if (parse.GetValue(previous))
            {
                // The kubelet's words when there is no previous attempt (kuberuntime GetContainerLogs).
                using var earlier = new LogFollower(ContainerLogs.Previous(paths, chosen)
                    ?? throw new NotFoundException($"previous terminated container \"{chosen.Name}\" in pod \"{record.Name}\" not found"), prefix: null);
                earlier.Pump();
                return 0;
            }
            var logPath = ContainerLogs.Current(paths, chosen);
            if (RotationPlanner.Rotated(logPath, Directory.Exists(Path.GetDirectoryName(logPath)) ? Directory.GetFiles(Path.GetDirectoryName(logPath)!) : []) is { Count: > 0 } rotated)
            {
                // The kubelet serves only the live file too; say so rather than look complete.
                Console.Error.WriteLine($"Note: older output of container \"{chosen.Name}\" was rotated away (containerLogMaxSize {ctx.Config.ContainerLogMaxSize}); {rotated.Count} rotated file(s) beside {logPath}, the oldest from {rotated[0].Stamp} UTC");
            }
            using var follower = new LogFollower(logPath, prefix: null);
            follower.Pump();
            if (!parse.GetValue(follow))
            {
                return 0;
            }
            using var stop = new StopSignal();
            while (!stop.Token.IsCancellationRequested)
            {
                var current = ctx.Store.FindPod(record.Id);
                var state = current is null ? null : status.View(current).Containers.FirstOrDefault(c => c.Name == chosen.Name);
                follower.Pump();
                if (state is null || state.State == ContainerState.Exited)
                {
                    break;
                }
                stop.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(200));
            }
            return 0;
        }));
        return command;
    }

    /// <summary>A CRI container's log, at the path the kubelet chose (log_directory/log_path); with <paramref name="previous"/>, the one of the attempt the kubelet kept before it.</summary>
    private static int CriLogs(RuntimeContext ctx, string key, string? name, bool follow, bool previous)
    {
        var core = new Sublet.Runtime.Sandboxes.RuntimeCore(ctx);
        var sandbox = CriPods.Find(core, key) ?? throw new NotFoundException($"pod \"{key}\" not found");
        var chosen = CriPods.Choose(core, sandbox, name);
        if (previous)
        {
            chosen = CriPods.Previous(core, chosen)
                ?? throw new NotFoundException($"previous terminated container \"{chosen.Entry.Config.Name}\" in pod \"{sandbox.Entry.Config.Name}\" not found");
            follow = false;
        }
        using var follower = new LogFollower(chosen.Entry.LogPath, prefix: null);
        follower.Pump();
        using var stop = new StopSignal();
        while (follow && !stop.Token.IsCancellationRequested && core.ListContainers(Sublet.Runtime.Sandboxes.Owner.Cri)
            .FirstOrDefault(c => c.Entry.Id == chosen.Entry.Id) is { State: Sublet.Runtime.Sandboxes.CtrState.Running or Sublet.Runtime.Sandboxes.CtrState.Created })
        {
            stop.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(200));
            follower.Pump();
        }
        follower.Pump();
        return 0;
    }

    /// <summary>The container <c>-c</c> names, or the only one.</summary>
    public static ContainerRecord Choose(PodRecord pod, IReadOnlyList<ContainerRecord> containers, string? name) =>
        name is null
            ? containers.Count == 1 ? containers[0]
                : throw new NotFoundException($"pod \"{pod.Name}\" has {containers.Count} containers: choose one of [{string.Join(" ", containers.Select(c => c.Name))}] with -c")
            : containers.FirstOrDefault(c => c.Name == name) ?? throw new NotFoundException($"container \"{name}\" is not in pod \"{pod.Name}\"");
}
