using System.Net.WebSockets;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Streaming.WebSockets;

/// <summary>
/// Exec and attach over a <c>channel.k8s.io</c> WebSocket (kubelet cri/streaming
/// remotecommand/websocket.go createChannels): five channels always, stdin 0 read when the
/// request has stdin, stdout 1 and stderr 2 written, error 3 written, resize 4 read with a
/// terminal. What runs is the same as over SPDY (<see cref="RemoteCommand.RunAsync"/>).
/// </summary>
internal static class WebSocketRemoteCommand
{
    public const int Stdin = 0;
    public const int Stdout = 1;
    public const int Stderr = 2;
    public const int Error = 3;
    public const int Resize = 4;

    public static ChannelConnection Open(WebSocket socket, ChannelProtocol protocol, bool stdin, bool tty) =>
        new(socket, protocol, channels: 5, readable: [.. stdin ? [Stdin] : Array.Empty<int>(), .. tty ? [Resize] : Array.Empty<int>()]);

    public static async Task ServeAsync(ChannelConnection connection, bool stdin, bool stdout, bool stderr, bool tty, Func<IStdioSession> start, CancellationToken stop)
    {
        var streams = new CommandStreams(connection.Channel(Error),
            stdin ? connection.Channel(Stdin) : null,
            stdout ? connection.Channel(Stdout) : null,
            stderr ? connection.Channel(Stderr) : null,
            tty ? connection.Channel(Resize) : null);
        if (!connection.Protocol.CloseSignal)
        {
            // Upstream's v4 and older servers tell the client they are ready with an empty message on
            // the lowest channel written. client-go's v5 reader may not know that channel yet and
            // would log it as unknown; it needs no such message.
            await (streams.Stdout ?? streams.Stderr ?? streams.Error).WriteAsync(ReadOnlyMemory<byte>.Empty, stop).ConfigureAwait(false);
        }
        await RemoteCommand.RunAsync(streams, connection.Protocol.StatusJson ? RemoteCommand.V4 : RemoteCommand.V1, start, connection.Closed, stop).ConfigureAwait(false);
    }
}
