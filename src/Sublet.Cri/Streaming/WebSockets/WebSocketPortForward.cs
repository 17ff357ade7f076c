using System.Buffers.Binary;
using System.Globalization;
using System.Net.WebSockets;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Streaming.WebSockets;

/// <summary>
/// Port forwarding over a <c>channel.k8s.io</c> WebSocket (kubelet cri/streaming
/// portforward/websocket.go): per port of the request a data channel 2i (read and written) and
/// an error channel 2i+1 (written), each first sent the port as a little-endian uint16; then one
/// connection per port, copied until the pod's side ends. The ports are the CRI request's, as
/// upstream's library takes them; a request without ports takes <c>?port=</c> from the URL as
/// the kubelet's own server does.
/// </summary>
internal static class WebSocketPortForward
{
    /// <summary>Two channels per port, numbered by one byte.</summary>
    public const int MaxPorts = 127;

    /// <summary>The ports to forward, or the reason there are none.</summary>
    public static (IReadOnlyList<int> Ports, string? Error) Ports(IReadOnlyList<int> requested, string pathAndQuery)
    {
        var ports = new List<int>(requested);
        var query = pathAndQuery.Contains('?', StringComparison.Ordinal) ? pathAndQuery[(pathAndQuery.IndexOf('?', StringComparison.Ordinal) + 1)..] : "";
        foreach (var pair in ports.Count > 0 ? [] : query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, value) = pair.IndexOf('=', StringComparison.Ordinal) is var eq and >= 0 ? (pair[..eq], Uri.UnescapeDataString(pair[(eq + 1)..])) : (pair, "");
            if (name != "port")
            {
                continue;
            }
            foreach (var text in value.Split(','))
            {
                if (!ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port == 0)
                {
                    return ([], $"unable to parse \"{text}\" as a port");
                }
                ports.Add(port);
            }
        }
        return ports.Count switch
        {
            0 => ([], "query parameter \"port\" is required"),
            > MaxPorts => ([], $"at most {MaxPorts} ports over one WebSocket"),
            _ when ports.Any(p => p is <= 0 or > 65535) => ([], "ports must be between 1 and 65535"),
            _ => (ports, null),
        };
    }

    public static ChannelConnection Open(WebSocket socket, ChannelProtocol protocol, int ports) =>
        new(socket, protocol, channels: 2 * ports, readable: Enumerable.Range(0, ports).Select(i => 2 * i));

    public static async Task ServeAsync(ChannelConnection connection, IReadOnlyList<int> ports, string sandboxId, ISandboxRuntime runtime, CancellationToken stop)
    {
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(connection.Closed, stop);
        var forwards = new List<Task>();
        for (var i = 0; i < ports.Count; i++)
        {
            var data = connection.Channel(2 * i);
            var error = connection.Channel(2 * i + 1);
            var port = new byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(port, (ushort)ports[i]);
            await data.WriteAsync(port, closed.Token).ConfigureAwait(false);
            await error.WriteAsync(port, closed.Token).ConfigureAwait(false);
            forwards.Add(PortForward.Forward(error, data, ports[i].ToString(CultureInfo.InvariantCulture), sandboxId, runtime, closed.Token));
        }
        await Task.WhenAll(forwards).ConfigureAwait(false);
    }
}
