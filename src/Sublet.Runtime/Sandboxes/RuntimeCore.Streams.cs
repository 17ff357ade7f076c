using System.Net;
using System.Net.Sockets;
using Sublet.Linux.Namespaces;
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
        return ExecSession.Start(_ctx.Oci, entry.Id, command, tty);
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
    /// from inside it (the socket is made there: <see cref="NetworkNamespace"/>), IPv4 first, then
    /// IPv6, as containerd's port forwarding dials localhost.
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
        var netns = _ctx.Proc.NamespacePath(pause, "net");
        SocketException? refused = null;
        foreach (var (family, address) in ((AddressFamily, IPAddress)[])[(AddressFamily.InterNetwork, IPAddress.Loopback), (AddressFamily.InterNetworkV6, IPAddress.IPv6Loopback)])
        {
            var socket = NetworkNamespace.CreateTcpSocket(netns, family);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancel).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                refused ??= e;
            }
        }
        throw new RuntimeError(ErrorKind.Internal, $"port {port} in sandbox {sandboxId}: {refused!.Message}");
    }
}
