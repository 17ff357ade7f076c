using System.Net.Sockets;
using System.Text;
using Sublet.Cri.Streaming.Spdy;

namespace Sublet.Cri.Tests.Streaming;

/// <summary>
/// A client of the streaming server as client-go's SPDY executor behaves: the HTTP upgrade, then
/// client-opened streams named by streamType, data, half-closes.
/// </summary>
internal sealed class SpdyTestClient : IDisposable
{
    private readonly TcpClient? _tcp;
    private readonly Stream _stream;
    private readonly HeaderCompressor _compressor = new();
    private readonly HeaderDecompressor _decompressor = new();
    private uint _next = 1;

    private SpdyTestClient(TcpClient? tcp, Stream stream, string status, Dictionary<string, string> headers, string body)
    {
        _tcp = tcp;
        _stream = stream;
        Status = status;
        Headers = headers;
        Body = body;
    }

    public string Status { get; }
    public Dictionary<string, string> Headers { get; }
    public string Body { get; }

    public Dictionary<uint, MemoryStream> Data { get; } = [];
    public HashSet<uint> Finished { get; } = [];
    public HashSet<uint> Replied { get; } = [];
    public bool GoneAway { get; private set; }

    public static async Task<SpdyTestClient> Connect(Uri url, params string[] protocols)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(url.Host, url.Port);
        var stream = tcp.GetStream();
        var request = new StringBuilder($"POST {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n");
        foreach (var p in protocols)
        {
            request.Append($"X-Stream-Protocol-Version: {p}\r\n");
        }
        request.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));
        var (status, headers) = ReadHead(stream);
        var body = "";
        if (headers.TryGetValue("Content-Length", out var length))
        {
            var bytes = new byte[int.Parse(length, System.Globalization.CultureInfo.InvariantCulture)];
            await stream.ReadExactlyAsync(bytes);
            body = Encoding.UTF8.GetString(bytes);
        }
        return new SpdyTestClient(tcp, stream, status, headers, body);
    }

    /// <summary>An HTTP response head read byte by byte (nothing past it): the status line and the headers, repeated ones joined by commas.</summary>
    public static (string Status, Dictionary<string, string> Headers) ReadHead(Stream stream)
    {
        var head = new List<byte>();
        while (!Encoding.ASCII.GetString([.. head]).EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            var b = stream.ReadByte();
            if (b < 0)
            {
                break;
            }
            head.Add((byte)b);
        }
        var lines = Encoding.ASCII.GetString([.. head]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon]] = headers.TryGetValue(line[..colon], out var v) ? v + "," + line[(colon + 1)..].Trim() : line[(colon + 1)..].Trim();
        }
        return (lines.Length > 0 ? lines[0] : "", headers);
    }

    /// <summary>A SPDY client over a connection already upgraded (a WebSocket tunnel).</summary>
    public static SpdyTestClient Over(Stream stream) => new(null, stream, "", [], "");

    public Task<uint> Open(string streamType, bool fin = false) => Open([new("streamType", streamType)], fin);

    public async Task<uint> Open(KeyValuePair<string, string>[] headers, bool fin = false)
    {
        var id = _next;
        _next += 2;
        await Send(SpdyFramer.SynStream(id, fin ? SpdyFramer.FlagFin : (byte)0, _compressor.Compress(HeaderBlock.Encode(headers))));
        return id;
    }

    public Task Send(byte[] frame) => _stream.WriteAsync(frame).AsTask();

    public Task Write(uint id, string text, bool fin = false) => Send(SpdyFramer.Data(id, fin, Encoding.UTF8.GetBytes(text)));

    /// <summary>Reads frames until the server ends the connection (or the timeout).</summary>
    public async Task ReadToEnd(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (await SpdyFramer.ReadAsync(_stream, SpdyFramer.MaxLength, cancel.Token) is { } frame)
        {
            Apply(frame);
        }
    }

    /// <summary>Reads frames until <paramref name="done"/> holds.</summary>
    public async Task ReadUntil(Func<bool> done, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (!done() && await SpdyFramer.ReadAsync(_stream, SpdyFramer.MaxLength, cancel.Token) is { } frame)
        {
            Apply(frame);
        }
    }

    private void Apply(SpdyFrame frame)
    {
        switch (frame)
        {
            case DataFrame data:
                if (!Data.TryGetValue(data.StreamId, out var buffer))
                {
                    Data[data.StreamId] = buffer = new MemoryStream();
                }
                buffer.Write(data.Data.Span);
                if (data.Fin)
                {
                    Finished.Add(data.StreamId);
                }
                break;
            case ControlFrame { Type: FrameType.SynReply } reply:
                HeaderBlock.Decode(_decompressor.Decompress(reply.HeaderBlock.Span));
                Replied.Add(reply.StreamId);
                break;
            case ControlFrame { Type: FrameType.GoAway }:
                GoneAway = true;
                break;
        }
    }

    public string Text(uint id) => Data.TryGetValue(id, out var b) ? Encoding.UTF8.GetString(b.ToArray()) : "";

    public void Dispose()
    {
        _stream.Dispose();
        _tcp?.Dispose();
    }
}
