using System.Net;
using System.Net.Sockets;
using Sublet.Linux.Namespaces;

namespace Sublet.Runtime.Network;

/// <summary>
/// Connections to a port on a pod's loopback, made from inside the pod's network namespace (the
/// socket is created there: <see cref="NetworkNamespace"/>), not routed to the pod's address:
/// what CRI PortForward and <c>sublet port-forward</c> both need.
/// </summary>
public static class PodLoopback
{
    /// <summary>Connects to <paramref name="port"/>, IPv4 first, then IPv6, as containerd's port forwarding dials localhost.</summary>
    /// <param name="netns">The pod's network namespace (<c>/proc/PID/ns/net</c> of its pause process).</param>
    /// <param name="pod">How errors name the pod.</param>
    public static async Task<Socket> ConnectAsync(string netns, int port, string pod, CancellationToken cancel)
    {
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
        throw new RuntimeError(ErrorKind.Internal, $"port {port} in {pod}: {refused!.Message}");
    }
}
