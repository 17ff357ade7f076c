using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Sublet.Cri.Streaming.Spdy;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Streaming;

/// <summary>
/// What a PortForward RPC asked for: the sandbox, and its ports, which only WebSocket clients
/// use (over SPDY the ports come with each stream).
/// </summary>
internal sealed record PortForwardRequest(string SandboxId, IReadOnlyList<int> Ports)
{
    public PortForwardRequest(string sandboxId)
        : this(sandboxId, [])
    {
    }
}

/// <summary>
/// <c>portforward.k8s.io</c> over SPDY (kubelet cri/streaming/portforward/httpstream.go): per
/// forwarded connection the client opens an error stream and a data stream, both with headers
/// <c>port</c> and <c>requestID</c>. Once a pair is complete the server connects to the port
/// inside the pod and copies both ways until the pod's side ends; a failure is written as text
/// on the error stream. Pairs run concurrently for as long as the connection lasts.
/// </summary>
internal static class PortForward
{
    public const string Protocol = "portforward.k8s.io";

    public static readonly IReadOnlyList<string> Protocols = [Protocol];

    public static async Task ServeAsync(SpdyConnection connection, string sandboxId, ISandboxRuntime runtime, CancellationToken stop)
    {
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(connection.Closed, stop);
        var pending = new Dictionary<string, (SpdyStream? Error, SpdyStream? Data)>(StringComparer.Ordinal);
        var forwards = new List<Task>();
        try
        {
            while (true)
            {
                var stream = await connection.AcceptAsync(closed.Token).ConfigureAwait(false);
                var type = stream.Header("streamtype");
                if (type is not ("error" or "data"))
                {
                    await stream.FinishAsync().ConfigureAwait(false);
                    continue;
                }
                // Clients before requestID paired streams by id: error N, data N+2 (upstream requestID()).
                var request = stream.Header("requestid")
                    ?? (type == "error" ? stream.Id : stream.Id - 2).ToString(CultureInfo.InvariantCulture);
                var pair = pending.GetValueOrDefault(request);
                pair = type == "error" ? pair with { Error = stream } : pair with { Data = stream };
                if (pair is { Error: { } error, Data: { } data })
                {
                    pending.Remove(request);
                    forwards.Add(Forward(error, data, data.Header("port") ?? "", sandboxId, runtime, closed.Token));
                }
                else
                {
                    pending[request] = pair;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            // The client is done.
        }
        await Task.WhenAll(forwards).ConfigureAwait(false);
    }

    /// <summary>
    /// One forwarded connection: the client's <paramref name="data"/> to the pod's port and back
    /// until the pod's side ends, a failure as text on <paramref name="error"/>; both are disposed
    /// (over SPDY, half-closed) at the end.
    /// </summary>
    internal static async Task Forward(Stream error, Stream data, string portText, string sandboxId, ISandboxRuntime runtime, CancellationToken cancel)
    {
        try
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is <= 0 or > 65535)
            {
                throw new ArgumentException($"invalid port {portText}");
            }
            using var socket = await runtime.ConnectInSandbox(sandboxId, port, cancel).ConfigureAwait(false);
            await using var pod = new NetworkStream(socket, ownsSocket: false);
            using var done = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            var toPod = CopyToPod(data, pod, socket, done.Token);
            await pod.CopyToAsync(data, done.Token).ConfigureAwait(false);
            await done.CancelAsync().ConfigureAwait(false); // the pod's side has ended: what the client still sends has nowhere to go
            await toPod.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var message = $"error forwarding port {portText} to pod {sandboxId}: {CriErrors.ToStatus(e).Detail}";
            try
            {
                await error.WriteAsync(Encoding.UTF8.GetBytes(message), cancel).ConfigureAwait(false);
            }
            catch (Exception write) when (write is IOException or OperationCanceledException)
            {
                // Nobody to tell.
            }
        }
        finally
        {
            await data.DisposeAsync().ConfigureAwait(false);
            await error.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The client's bytes to the pod; the client's end of data becomes the socket's (shutdown SHUT_WR), as containerd's CloseWrite.</summary>
    private static async Task CopyToPod(Stream data, NetworkStream pod, Socket socket, CancellationToken cancel)
    {
        try
        {
            await data.CopyToAsync(pod, cancel).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Either side has gone.
        }
    }
}
