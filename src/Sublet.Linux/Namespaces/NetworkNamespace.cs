using System.Net.Sockets;
using Sublet.Linux.Interop;

namespace Sublet.Linux.Namespaces;

/// <summary>
/// Work done inside another network namespace. A socket belongs to the namespace of the thread
/// that created it, for its whole life (socket(2), network_namespaces(7)), and a thread may switch
/// its own network namespace with setns(2) without touching the others. So a fresh thread enters
/// the namespace, does its work, goes back and ends; a socket made there connects from inside the
/// pod (its loopback, its routes) whichever thread uses it. No helper process per connection, and
/// nothing like socat, nc or ip needed on the node.
/// </summary>
public static class NetworkNamespace
{
    /// <summary>A TCP socket of <paramref name="family"/> created in the network namespace at <paramref name="namespacePath"/> (e.g. /proc/PID/ns/net).</summary>
    public static Socket CreateTcpSocket(string namespacePath, AddressFamily family)
    {
        Socket? made = null;
        try
        {
            Inside(namespacePath, () => made = new Socket(family, SocketType.Stream, ProtocolType.Tcp));
            return made!;
        }
        catch
        {
            made?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sets the loopback interface up in the namespace at <paramref name="namespacePath"/>: a new
    /// network namespace has <c>lo</c> down (network_namespaces(7)); runc brings it up only in
    /// namespaces it creates, CRI-O's ocicni does it itself, as here (SIOCSIFFLAGS, netdevice(7)).
    /// </summary>
    public static void BringLoopbackUp(string namespacePath) => Inside(namespacePath, () =>
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var fd = (int)socket.Handle;
        var request = new Libc.IfReqFlags();
        unsafe
        {
            request.Name[0] = (byte)'l';
            request.Name[1] = (byte)'o';
        }
        if (Libc.Ioctl(fd, Libc.SIOCGIFFLAGS, ref request) != 0)
        {
            throw LinuxError.Last("ioctl SIOCGIFFLAGS lo", namespacePath);
        }
        request.Flags |= Libc.IFF_UP;
        if (Libc.Ioctl(fd, Libc.SIOCSIFFLAGS, ref request) != 0)
        {
            throw LinuxError.Last("ioctl SIOCSIFFLAGS lo", namespacePath);
        }
    });

    /// <summary>Runs <paramref name="work"/> on a fresh thread inside the namespace, then brings the thread home and lets it end.</summary>
    private static void Inside(string namespacePath, Action work)
    {
        using var target = SafeFd.OpenReadOnly(namespacePath);
        // Where the thread goes back to: the process's namespace (its main thread's).
        using var home = SafeFd.OpenReadOnly("/proc/self/ns/net");
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
                    work();
                }
                finally
                {
                    if (Libc.Setns((int)home.DangerousGetHandle(), Libc.CLONE_NEWNET) != 0)
                    {
                        // The thread ends here anyway; nothing else ever runs on it.
                        failure ??= LinuxError.Last("setns", "/proc/self/ns/net");
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
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }
}
