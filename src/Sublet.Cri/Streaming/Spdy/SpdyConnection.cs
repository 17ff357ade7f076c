using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Sublet.Cri.Streaming.Spdy;

/// <summary>
/// The server end of a SPDY/3.1 connection after the HTTP upgrade, as far as Kubernetes'
/// streaming protocols use it (what moby/spdystream connection.go acts on): the client opens
/// every stream with SYN_STREAM and gets an empty SYN_REPLY; DATA carries bytes, FLAG_FIN
/// half-closes; RST_STREAM ends a stream; PING is echoed; GOAWAY ends the client's side.
/// SETTINGS and WINDOW_UPDATE are read and ignored: spdystream does no flow control either.
/// One reader loop, writes serialized frame by frame.
/// </summary>
internal sealed class SpdyConnection : IAsyncDisposable
{
    private readonly Stream _transport;
    private readonly Socket? _socket;
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly HeaderCompressor _compressor = new();
    private readonly HeaderDecompressor _decompressor = new();
    private readonly ConcurrentDictionary<uint, SpdyStream> _streams = new();
    private readonly Channel<SpdyStream> _opened = Channel.CreateUnbounded<SpdyStream>();
    private readonly CancellationTokenSource _closed = new();
    private readonly int _maxFrame;
    private uint _lastStream;
    private Task? _reader;

    /// <param name="socket">The connection's socket when there is one, so closing can half-close it and drain the peer's last frames.</param>
    public SpdyConnection(Stream transport, Socket? socket = null, int maxFrame = SpdyFramer.MaxLength)
    {
        _transport = transport;
        _socket = socket;
        _maxFrame = maxFrame;
    }

    /// <summary>Cancelled once the client is gone (its side ended, or the framing broke).</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Why the connection ended, when the client broke the protocol.</summary>
    public string? Error { get; private set; }

    public void Start() => _reader = Task.Run(ReadLoop);

    /// <summary>The next stream the client opened (already answered with SYN_REPLY).</summary>
    public ValueTask<SpdyStream> AcceptAsync(CancellationToken cancel) => _opened.Reader.ReadAsync(cancel);

    private async Task ReadLoop()
    {
        try
        {
            while (await SpdyFramer.ReadAsync(_transport, _maxFrame, CancellationToken.None).ConfigureAwait(false) is { } frame)
            {
                if (!await Handle(frame).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        catch (SpdyProtocolException e)
        {
            Error = e.Message;
            await TryWrite(SpdyFramer.GoAway(_lastStream, SpdyFramer.ProtocolError)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // The client went away.
        }
        finally
        {
            _opened.Writer.TryComplete();
            foreach (var stream in _streams.Values)
            {
                stream.RemoteClosed();
            }
            await _closed.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Acts on one frame; false when the client said GOAWAY.</summary>
    private async ValueTask<bool> Handle(SpdyFrame frame)
    {
        switch (frame)
        {
            case DataFrame data:
                if (_streams.TryGetValue(data.StreamId, out var target))
                {
                    await target.Receive(data.Data, data.Fin).ConfigureAwait(false);
                }
                else
                {
                    await Write(SpdyFramer.RstStream(data.StreamId, SpdyFramer.InvalidStream)).ConfigureAwait(false);
                }
                return true;
            case ControlFrame { Type: FrameType.SynStream } syn:
            {
                // Every header block goes through the one inflater, in order, whatever becomes of the stream.
                var headers = HeaderBlock.Decode(_decompressor.Decompress(syn.HeaderBlock.Span));
                var id = syn.StreamId;
                if (id == 0 || id % 2 == 0 || id <= _lastStream)
                {
                    throw new SpdyProtocolException($"stream id {id} after {_lastStream}: client streams are odd and increasing");
                }
                _lastStream = id;
                var stream = new SpdyStream(this, id, headers);
                _streams[id] = stream;
                if ((syn.Flags & (SpdyFramer.FlagFin | SpdyFramer.FlagUnidirectional)) != 0)
                {
                    stream.RemoteClosed();
                }
                await Write(SpdyFramer.SynReply(id, false, Compress([]))).ConfigureAwait(false);
                await _opened.Writer.WriteAsync(stream).ConfigureAwait(false);
                return true;
            }
            case ControlFrame { Type: FrameType.SynReply or FrameType.Headers } headersFrame:
                HeaderBlock.Decode(_decompressor.Decompress(headersFrame.HeaderBlock.Span));
                return true;
            case ControlFrame { Type: FrameType.RstStream } reset:
                if (_streams.TryGetValue(reset.StreamId, out var gone))
                {
                    gone.Reset();
                }
                return true;
            case ControlFrame { Type: FrameType.Ping } ping:
                await Write(SpdyFramer.Ping(ping.Word(0))).ConfigureAwait(false);
                return true;
            case ControlFrame { Type: FrameType.GoAway }:
                return false;
            default:
                return true;
        }
    }

    private byte[] Compress(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        lock (_compressor)
        {
            return _compressor.Compress(HeaderBlock.Encode(headers));
        }
    }

    internal async Task Write(byte[] frame, CancellationToken cancel = default)
    {
        await _write.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            await _transport.WriteAsync(frame, cancel).ConfigureAwait(false);
            await _transport.FlushAsync(cancel).ConfigureAwait(false);
        }
        finally
        {
            _write.Release();
        }
    }

    private async Task TryWrite(byte[] frame)
    {
        try
        {
            await Write(frame).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // Nobody to tell.
        }
    }

    /// <summary>
    /// Says GOAWAY, ends the server's side and waits a little for the client to end its own, so
    /// closing never resets the connection while the client still reads what was written last.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await TryWrite(SpdyFramer.GoAway(_lastStream)).ConfigureAwait(false);
        try
        {
            _socket?.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
        if (_reader is not null)
        {
            await Task.WhenAny(_reader, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }
        await _transport.DisposeAsync().ConfigureAwait(false);
        _socket?.Dispose();
        if (_reader is not null)
        {
            await _reader.ConfigureAwait(false);
        }
        _closed.Dispose();
        _write.Dispose();
    }
}

/// <summary>
/// One client-opened stream: reading gives what the client sent until its FLAG_FIN (or a reset,
/// or the connection's end); writing sends DATA frames; <see cref="Stream.Dispose()"/> half-closes
/// with an empty FLAG_FIN frame.
/// </summary>
internal sealed class SpdyStream : Stream
{
    /// <summary>What one DATA frame carries at most when Sublet writes (spdystream's reads take any size).</summary>
    private const int MaxChunk = 32 * 1024;

    private readonly SpdyConnection _connection;

    // No back-pressure: the reader loop must never wait on one stream (a resize or a PING would
    // wait behind stdin nobody reads); SPDY as Kubernetes uses it has no flow control anyway.
    private readonly Pipe _inbound = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    private readonly Stream _reader;
    private int _finished;
    private int _reset;

    internal SpdyStream(SpdyConnection connection, uint id, Dictionary<string, List<string>> headers)
    {
        _connection = connection;
        Id = id;
        Headers = headers;
        _reader = _inbound.Reader.AsStream();
    }

    public uint Id { get; }

    /// <summary>The SYN_STREAM headers, names in lower case.</summary>
    public Dictionary<string, List<string>> Headers { get; }

    public string? Header(string name) => Headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    internal async ValueTask Receive(ReadOnlyMemory<byte> data, bool fin)
    {
        if (!data.IsEmpty && Volatile.Read(ref _reset) == 0)
        {
            await _inbound.Writer.WriteAsync(data).ConfigureAwait(false);
        }
        if (fin)
        {
            RemoteClosed();
        }
    }

    internal void RemoteClosed() => _inbound.Writer.Complete();

    internal void Reset()
    {
        Volatile.Write(ref _reset, 1);
        Volatile.Write(ref _finished, 1);
        RemoteClosed();
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => _reader.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _reader.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _reader.ReadAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _finished) != 0)
        {
            throw new IOException($"SPDY stream {Id} is closed");
        }
        while (!buffer.IsEmpty)
        {
            var chunk = buffer[..Math.Min(buffer.Length, MaxChunk)];
            await _connection.Write(SpdyFramer.Data(Id, false, chunk.Span), cancellationToken).ConfigureAwait(false);
            buffer = buffer[chunk.Length..];
        }
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Half-closes the server's side (an empty DATA frame with FLAG_FIN), once.</summary>
    public async Task FinishAsync()
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }
        try
        {
            await _connection.Write(SpdyFramer.Data(Id, true, [])).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // The client is gone.
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            FinishAsync().GetAwaiter().GetResult();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await FinishAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
