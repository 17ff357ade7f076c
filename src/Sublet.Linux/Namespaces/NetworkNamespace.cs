using System.Net.Sockets;
using Sublet.Linux.Interop;

namespace Sublet.Linux.Namespaces;

/// <summary>
/// Sockets made inside another network namespace. A socket belongs to the namespace of the
/// thread that created it, for its whole life (socket(2), network_namespaces(7)), and a thread
/// may switch its own network namespace with setns(2) without touching the others. So a fresh
/// thread enters the namespace, creates the socket, goes back and ends; the socket then connects
/// from inside the pod (its loopback, its routes) whichever thread uses it. No helper process per
/// connection, and nothing like socat or nc needed on the node.
/// </summary>
public static class NetworkNamespace
{
    /// <summary>A TCP socket of <paramref name="family"/> created in the network namespace at <paramref name="namespacePath"/> (e.g. /proc/PID/ns/net).</summary>
    public static Socket CreateTcpSocket(string namespacePath, AddressFamily family)
    {
        using var target = SafeFd.OpenReadOnly(namespacePath);
        // Where the thread goes back to: the process's namespace (its main thread's).
        using var home = SafeFd.OpenReadOnly("/proc/self/ns/net");
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                if (Libc.Setns((int)target.DangerousGetHandle(), Libc.CLONE_NEWNET) != 0)
                {
                    throw LinuxError.Last("setns", namespacePath);
                }
                try
                {
                    socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
                }
                finally
                {
                    if (Libc.Setns((int)home.DangerousGetHandle(), Libc.CLONE_NEWNET) != 0)
                    {
                        // The thread ends here anyway; nothing else ever runs on it.
                        failure = LinuxError.Last("setns", "/proc/self/ns/net");
                    }
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        { IsBackground = true, Name = "sublet-netns" };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            socket?.Dispose();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        return socket!;
    }
}
