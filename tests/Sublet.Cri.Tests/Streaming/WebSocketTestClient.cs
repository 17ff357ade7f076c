using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Sublet.Cri.Tests.Streaming;

/// <summary>One WebSocket frame as read off the wire (RFC 6455 §5.2).</summary>
internal sealed record WsFrame(bool Fin, byte Opcode, bool Masked, byte[] Payload)
{
    public const byte Text = 0x1;
    public const byte Binary = 0x2;
    public const byte Close = 0x8;
    public const byte Ping = 0x9;
    public const byte Pong = 0xA;

    /// <summary>A close frame's status code (RFC 6455 §5.5.1), 0 when it has none.</summary>
    public int CloseCode => Opcode == Close && Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : 0;
}

/// <summary>
/// A WebSocket client that writes and reads frames byte by byte, so tests state the bytes the
/// RFC defines: the opening handshake, masked client frames, unmasked server frames.
/// </summary>
internal sealed class WebSocketTestClient : IDisposable
{
    /// <summary>The key of RFC 6455 §1.3, whose accept value the RFC gives.</summary>
    public const string RfcKey = "dGhlIHNhbXBsZSBub25jZQ==";

    /// <summary>The masking key of the RFC's examples (§5.7).</summary>
    public static readonly byte[] RfcMask = [0x37, 0xfa, 0x21, 0x3d];

    private readonly TcpClient _tcp;

    private WebSocketTestClient(TcpClient tcp, string status, Dictionary<string, string> headers)
    {
        _tcp = tcp;
        Stream = tcp.GetStream();
        Status = status;
        Headers = headers;
    }

    public NetworkStream Stream { get; }
    public string Status { get; }
    public Dictionary<string, string> Headers { get; }

    public static async Task<WebSocketTestClient> Connect(Uri url, string[] protocols, string method = "GET", string version = "13", string key = RfcKey)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(url.Host, url.Port);
        var stream = tcp.GetStream();
        var request = new StringBuilder($"{method} {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n");
        request.Append($"Sec-WebSocket-Version: {version}\r\nSec-WebSocket-Key: {key}\r\n");
        if (protocols.Length > 0)
        {
            request.Append($"Sec-WebSocket-Protocol: {string.Join(", ", protocols)}\r\n");
        }
        request.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));
        var (status, headers) = SpdyTestClient.ReadHead(stream);
        return new WebSocketTestClient(tcp, status, headers);
    }

    /// <summary>A frame as a client sends it: FIN, opcode, MASK set, the length in 7, 16 or 64 bits, the key, the masked payload.</summary>
    public static byte[] Frame(byte opcode, byte[] payload, bool fin = true, byte[]? mask = null)
    {
        var header = new List<byte> { (byte)((fin ? 0x80 : 0) | opcode) };
        var maskBit = mask is null ? 0 : 0x80;
        if (payload.Length < 126)
        {
            header.Add((byte)(maskBit | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            header.Add((byte)(maskBit | 126));
            header.AddRange([(byte)(payload.Length >> 8), (byte)payload.Length]);
        }
        else
        {
            header.Add((byte)(maskBit | 127));
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload.Length);
            header.AddRange(length);
        }
        if (mask is null)
        {
            return [.. header, .. payload];
        }
        header.AddRange(mask);
        return [.. header, .. payload.Select((b, i) => (byte)(b ^ mask[i % 4]))];
    }

    public Task Send(byte[] bytes) => Stream.WriteAsync(bytes).AsTask();

    /// <summary>A masked binary message: the channel byte, then the data.</summary>
    public Task SendChannel(byte channel, string data) => Send(Frame(WsFrame.Binary, [channel, .. Encoding.UTF8.GetBytes(data)], mask: RfcMask));

    public async Task<WsFrame?> ReadFrame(CancellationToken cancel)
    {
        var head = new byte[2];
        if (await ReadExactly(head, cancel) == 0)
        {
            return null;
        }
        var masked = (head[1] & 0x80) != 0;
        long length = head[1] & 0x7f;
        if (length == 126)
        {
            var ext = new byte[2];
            await ReadExactly(ext, cancel);
            length = BinaryPrimitives.ReadUInt16BigEndian(ext);
        }
        else if (length == 127)
        {
            var ext = new byte[8];
            await ReadExactly(ext, cancel);
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(ext);
        }
        var mask = new byte[masked ? 4 : 0];
        await ReadExactly(mask, cancel);
        var payload = new byte[length];
        await ReadExactly(payload, cancel);
        return new WsFrame((head[0] & 0x80) != 0, (byte)(head[0] & 0x0f), masked, payload);
    }

    /// <summary>Every frame until the server's close frame or the end of the connection.</summary>
    public async Task<List<WsFrame>> ReadUntilClose(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        var frames = new List<WsFrame>();
        while (await ReadFrame(cancel.Token) is { } frame)
        {
            frames.Add(frame);
            if (frame.Opcode == WsFrame.Close)
            {
                break;
            }
        }
        return frames;
    }

    /// <summary>The data of the binary messages on <paramref name="channel"/>, in order.</summary>
    public static string Channel(IEnumerable<WsFrame> frames, byte channel) =>
        string.Concat(frames.Where(f => f.Opcode == WsFrame.Binary && f.Payload.Length > 0 && f.Payload[0] == channel).Select(f => Encoding.UTF8.GetString(f.Payload, 1, f.Payload.Length - 1)));

    private async Task<int> ReadExactly(byte[] buffer, CancellationToken cancel)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await Stream.ReadAsync(buffer.AsMemory(filled), cancel);
            if (read == 0)
            {
                return filled;
            }
            filled += read;
        }
        return filled;
    }

    public void Dispose()
    {
        Stream.Dispose();
        _tcp.Dispose();
    }
}
