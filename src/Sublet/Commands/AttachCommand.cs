using System.CommandLine;
using Sublet.Runtime;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary>
/// <c>sublet attach POD [-c NAME] [-i]</c>: joins a running <c>play</c> container's main process
/// through its conmon, as CRI Attach does (<see cref="PlayStreams"/>): its output comes here, and
/// with <c>-i</c> what is typed goes to its stdin when the manifest gave it <c>stdin: true</c>.
/// It ends when the container does, or on Ctrl-C, which detaches and leaves the container running.
/// </summary>
internal static class AttachCommand
{
    public static Command Create()
    {
        var pod = new Argument<string>("pod") { Description = "Pod name (NAMESPACE/NAME) or id" };
        var container = new Option<string?>("--container", "-c") { Description = "Container name (needed when the pod has several)" };
        var stdin = new Option<bool>("--stdin", "-i") { Description = "Pass stdin to the container (it needs stdin: true)" };
        var command = new Command("attach", "Attach to a running container's main process") { pod, container, stdin };
        command.SetAction(parse => Cli.Run(parse, ctx =>
        {
            var record = ctx.Store.FindPod(parse.GetValue(pod)!) ?? throw new NotFoundException($"pod \"{parse.GetValue(pod)}\" not found");
            var chosen = LogsCommand.Choose(record, new PodStatus(ctx).View(record).Containers, parse.GetValue(container));
            if (chosen.State != ContainerState.Running)
            {
                throw new RuntimeFailure($"container \"{chosen.Name}\" of pod \"{record.Name}\" is not running ({chosen.State}): cannot attach to it");
            }
            using var session = new PlayStreams(ctx).Attach(chosen);
            using var stop = new StopSignal();
            using var terminal = parse.GetValue(stdin) && PlayStreams.HasTerminal(record, chosen) ? RawTerminal.Enter() : null;
            if (terminal?.Size is { } size)
            {
                session.Resize(size.Width, size.Height);
            }
            // The kernel signals SIGWINCH to the terminal's foreground process group when its size
            // changes (tty_ioctl(4) TIOCSWINSZ); kubectl attach -t passes each change on the same way.
            using var resized = terminal is null ? null : System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGWINCH, _ =>
                {
                    if (RawTerminal.CurrentSize() is { } now)
                    {
                        session.Resize(now.Width, now.Height);
                    }
                });
            try
            {
                session.RunAsync(parse.GetValue(stdin) ? Console.OpenStandardInput() : null, Console.OpenStandardOutput(), Console.OpenStandardError(), stop.Token)
                    .GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
            {
                // Detached: the container runs on.
            }
            return 0;
        }));
        return command;
    }
}
