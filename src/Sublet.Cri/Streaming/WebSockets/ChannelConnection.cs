using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;

namespace Sublet.Cri.Streaming.WebSockets;

/// <summary>
/// The server end of a <c>channel.k8s.io</c> WebSocket (<see cref="ChannelProtocol"/>), as
/// apimachinery wsstream Conn serves it: one reader loop hands each message's data to its
/// channel, messages for channels nobody reads (or unknown ones) are dropped, v5's close signal
/// ends a channel's input. Writes are one message per write (at most <see cref="MaxChunk"/> of
/// data each), serialized. A message over <see cref="MaxMessage"/>, a malformed close signal or
/// bad base64 ends the connection with the matching close status (RFC 6455 §7.4.1).
/// The WebSocket framing itself (masking, control frames, pings answered with pongs, the close
/// handshake) is System.Net.WebSockets'.
/// </summary>
internal sealed class ChannelConnection : IAsyncDisposable
{
    /// <summary>Far above what client-go sends in one message (its 32 KiB buffer and the channel byte).</summary>
    public const int MaxMessage = 1024 * 1024;

    private const int MaxChunk = 32 * 1024;
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(5);

    private readonly WebSocket _socket;
    private readonly Pipe?[] _inbound;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly CancellationTokenSource _closed = new();
    private Task? _reader;

    /// <param name="channels">How many channels the protocol use has (numbered from 0).</param>
    /// <param name="readable">The channels whose input is kept for a reader; the rest is dropped.</param>
    public ChannelConnection(WebSocket socket, ChannelProtocol protocol, int channels, IEnumerable<int> readable)
    {
        _socket = socket;
        Protocol = protocol;
        _inbound = new Pipe?[channels];
        foreach (var channel in readable)
        {
            // No back-pressure: the reader loop must not wait on one channel (a resize behind unread stdin), as SpdyStream.
            _inbound[channel] = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        }
    }

    public ChannelProtocol Protocol { get; }

    /// <summary>Cancelled once the client is gone (it closed, the connection broke, or it broke the protocol).</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Why the connection ended, when the client broke the protocol.</summary>
    public string? Error { get; private set; }

    public void Start() => _reader = Task.Run(ReadLoop);

    /// <summary>Channel <paramref name="id"/>: reads give its input (end of file when it is not readable), writes send on it.</summary>
    public Stream Channel(int id) => new ChannelStream(this, (byte)id, _inbound[id]?.Reader.AsStream());

    private async Task ReadLoop()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var filled = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (filled == buffer.Length)
                    {
                        if (buffer.Length >= MaxMessage)
                        {
                            throw new ChannelProtocolException(WebSocketCloseStatus.MessageTooBig, $"a message of more than {MaxMessage} bytes");
                        }
                        Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxMessage));
                    }
                    result = await _socket.ReceiveAsync(buffer.AsMemory(filled), CancellationToken.None).ConfigureAwait(false);
                    filled += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                await Deliver(buffer.AsMemory(0, filled)).ConfigureAwait(false);
            }
        }
        catch (ChannelProtocolException e)
        {
            Error = e.Message;
            await CloseOutput(e.Status, e.Message).ConfigureAwait(false);
        }
        catch (WebSocketException e)
        {
            // Framing the WebSocket layer refused (unmasked, reserved bits, bad opcode...): it has sent its close already.
            Error = e.Message;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away.
        }
        finally
        {
            foreach (var pipe in _inbound)
            {
                pipe?.Writer.Complete();
            }
            await _closed.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One message: a channel byte and data, or v5's <c>[255, channel]</c>.</summary>
    private async ValueTask Deliver(ReadOnlyMemory<byte> message)
    {
        if (message.IsEmpty)
        {
            return;
        }
        var first = message.Span[0];
        if (Protocol.CloseSignal && first == ChannelProtocol.CloseByte)
        {
            if (message.Length != 2 || message.Span[1] >= _inbound.Length)
            {
                throw new ChannelProtocolException(WebSocketCloseStatus.ProtocolError, "a close signal must name one channel of the connection");
            }
            _inbound[message.Span[1]]?.Writer.Complete();
            return;
        }
        var channel = Protocol.Base64 ? first - '0' : first;
        if (channel < 0 || channel >= _inbound.Length || _inbound[channel] is not { } pipe)
        {
            return; // upstream drops what is sent to a channel it does not read
        }
        var data = message[1..];
        if (Protocol.Base64)
        {
            var decoded = new byte[Base64.GetMaxDecodedFromUtf8Length(data.Length)];
            if (Base64.DecodeFromUtf8(data.Span, decoded, out _, out var written) != OperationStatus.Done)
            {
                throw new ChannelProtocolException(WebSocketCloseStatus.InvalidPayloadData, $"channel {channel}: data is not base64");
            }
            data = decoded.AsMemory(0, written);
        }
        try
        {
            await pipe.Writer.WriteAsync(data).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Data after the channel's close signal: there is nobody to give it to.
        }
    }

    /// <summary>Sends <paramref name="data"/> on <paramref name="channel"/>; an empty write is one message with the channel byte alone.</summary>
    internal async ValueTask Send(byte channel, ReadOnlyMemory<byte> data, CancellationToken cancel)
    {
        do
        {
            var chunk = data[..Math.Min(data.Length, MaxChunk)];
            byte[] message = Protocol.Base64
                ? Encoding.ASCII.GetBytes((char)('0' + channel) + Convert.ToBase64String(chunk.Span))
                : [channel, .. chunk.Span];
            await _send.WaitAsync(cancel).ConfigureAwait(false);
            try
            {
                await _socket.SendAsync(message, Protocol.Base64 ? WebSocketMessageType.Text : WebSocketMessageType.Binary, true, cancel).ConfigureAwait(false);
            }
            catch (WebSocketException e)
            {
                throw new IOException($"websocket channel {channel}: {e.Message}", e);
            }
            finally
            {
                _send.Release();
            }
            data = data[chunk.Length..];
        }
        while (!data.IsEmpty);
    }

    private async Task CloseOutput(WebSocketCloseStatus status, string reason)
    {
        await _send.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(CloseWait);
                // A close frame's reason has room for 123 bytes (RFC 6455 §5.5).
                await _socket.CloseOutputAsync(status, reason.Length > 120 ? reason[..120] : reason, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Nobody to tell.
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>
    /// Ends the connection with a normal close (client-go's reader takes status 1000 as the end of
    /// every stream) and waits a little for the client's own close, so that it reads what was
    /// written last before the connection goes.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await CloseOutput(WebSocketCloseStatus.NormalClosure, "").ConfigureAwait(false);
        if (_reader is not null)
        {
            await Task.WhenAny(_reader, Task.Delay(CloseWait)).ConfigureAwait(false);
        }
        _socket.Dispose();
        if (_reader is not null)
        {
            await _reader.ConfigureAwait(false);
        }
        _closed.Dispose();
        _send.Dispose();
    }

    private sealed class ChannelProtocolException(WebSocketCloseStatus status, string message) : Exception(message)
    {
        public WebSocketCloseStatus Status { get; } = status;
    }
}
