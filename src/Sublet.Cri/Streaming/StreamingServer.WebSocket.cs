using System.Net.Sockets;
using System.Net.WebSockets;
using Sublet.Cri.Streaming.WebSockets;

namespace Sublet.Cri.Streaming;

public sealed partial class StreamingServer
{
    /// <summary>
    /// client-go's tunneling dialer (crictl <c>port-forward -r websocket</c>, the API server's
    /// port-forward since 1.31) carries a whole SPDY/3.1 connection in binary WebSocket messages,
    /// offering <c>SPDY/3.1+portforward.k8s.io</c> (apimachinery portforward constants.go).
    /// </summary>
    internal const string SpdyTunnel = "SPDY/3.1+" + PortForward.Protocol;

    private static readonly TimeSpan TunnelCloseWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The WebSocket branch of <see cref="Route"/>, for a request whose token is consumed: checks
    /// the handshake, picks the subprotocol of the client's first choice (none fits: 403, as the
    /// x/net/websocket handshake upstream answers), answers 101 and returns what serves it.
    /// </summary>
    private async Task<Func<Stream, Socket, Task>?> RouteWebSocket(RequestHead head, Stream stream, object request)
    {
        if (WebSocketHandshake.Validate(head) is { } invalid)
        {
            await Respond(stream, invalid.Status, invalid.Message, invalid.Status == 426 ? [("Sec-WebSocket-Version", "13")] : null).ConfigureAwait(false);
            return null;
        }
        var channels = request is PortForwardRequest ? ChannelProtocol.PortForward : ChannelProtocol.RemoteCommand;
        IReadOnlyList<string> supported = request is PortForwardRequest ? [SpdyTunnel, .. channels.Select(p => p.Name)] : [.. channels.Select(p => p.Name)];
        var offered = head.Header("sec-websocket-protocol");
        if (WebSocketHandshake.Negotiate(offered, supported) is not { } chosen)
        {
            await Respond(stream, 403, $"unable to upgrade: requested protocol(s) are not supported: [{string.Join(' ', offered)}]; supports [{string.Join(' ', supported.Where(s => s.Length > 0))}]").ConfigureAwait(false);
            return null;
        }
        var protocol = channels.FirstOrDefault(p => p.Name == chosen);
        IReadOnlyList<int> ports = [];
        if (request is PortForwardRequest { } forward && protocol is not null)
        {
            (ports, var error) = WebSocketPortForward.Ports(forward.Ports, head.Path);
            if (error is not null)
            {
                await Respond(stream, 400, error).ConfigureAwait(false);
                return null;
            }
        }
        var key = head.Header("sec-websocket-key")[0];
        await Write(stream, WebSocketHandshake.Response(key, chosen)).ConfigureAwait(false);
        return (transport, _) =>
        {
            // The 101 is written already; the option would only repeat the name (and refuses the tunnel's '/').
            var socket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions { IsServer = true });
            return (request, protocol) switch
            {
                (PortForwardRequest tunnel, null) => OverSpdy(WebSocketStream.Create(socket, WebSocketMessageType.Binary, TunnelCloseWait), null,
                    connection => PortForward.ServeAsync(connection, tunnel.SandboxId, _runtime, _stop.Token)),
                (PortForwardRequest forward, { } p) => OverChannels(WebSocketPortForward.Open(socket, p, ports.Count),
                    connection => WebSocketPortForward.ServeAsync(connection, ports, forward.SandboxId, _runtime, _stop.Token)),
                (ExecRequest exec, { } p) => OverChannels(WebSocketRemoteCommand.Open(socket, p, exec.Stdin, exec.Tty),
                    connection => WebSocketRemoteCommand.ServeAsync(connection, exec.Stdin, exec.Stdout, exec.Stderr, exec.Tty, Starter(exec), _stop.Token)),
                (AttachRequest attach, { } p) => OverChannels(WebSocketRemoteCommand.Open(socket, p, attach.Stdin, attach.Tty),
                    connection => WebSocketRemoteCommand.ServeAsync(connection, attach.Stdin, attach.Stdout, attach.Stderr, attach.Tty, Starter(attach), _stop.Token)),
                _ => throw new InvalidOperationException($"no WebSocket service for {request.GetType().Name} with {chosen}"),
            };
        };
    }

    private static async Task OverChannels(ChannelConnection connection, Func<ChannelConnection, Task> serve)
    {
        await using (connection.ConfigureAwait(false))
        {
            connection.Start();
            await serve(connection).ConfigureAwait(false);
        }
    }
}
