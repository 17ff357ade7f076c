using System.Net.Sockets;
using Sublet.Runtime.Pods;

namespace Sublet.Runtime.Sandboxes;

public sealed partial class RuntimeCore
{
    /// <summary>Starts <paramref name="command"/> in a running container with the container's process settings (runc exec), its stdio to be carried by the session.</summary>
    public IStdioSession StartExec(string id, IReadOnlyList<string> command, bool tty)
    {
        var entry = Running(id);
        if (command.Count == 0)
        {
            throw RuntimeError.Invalid("exec: the command is empty");
        }
        return ExecSession.Start(_ctx.Oci, _ctx.Config.RunRoot, entry.Id, command, tty);
    }

    /// <summary>Attaches to a running container's main process through its conmon.</summary>
    public IStdioSession Attach(string id)
    {
        var entry = Running(id);
        var socket = Path.Combine(PodPaths.SocketDir(_ctx.Config.RunRoot), entry.Id, "attach");
        return AttachSession.Connect(socket, Paths(entry.SandboxId).ContainerRunDir(entry.Id), entry.Config.Stdin);
    }

    /// <summary>
    /// Connects to <paramref name="port"/> on the loopback of a ready sandbox's network namespace,
    /// from inside it (<see cref="Network.PodLoopback"/>).
    /// </summary>
    public async Task<Socket> ConnectInSandbox(string sandboxId, int port, CancellationToken cancel)
    {
        SandboxEntry entry;
        using (var store = OpenStore())
        {
            entry = store.FindSandbox(sandboxId) ?? throw RuntimeError.NotFound($"sandbox \"{sandboxId}\" not found");
        }
        if (View(entry).State != SandboxState.Ready || entry.PausePid is not { } pause)
        {
            throw RuntimeError.Precondition($"sandbox {sandboxId} is not ready");
        }
        return await Network.PodLoopback.ConnectAsync(_ctx.Proc.NamespacePath(pause, "net"), port, $"sandbox {sandboxId}", cancel).ConfigureAwait(false);
    }
}
