namespace Sublet.Images.Registry;

/// <summary>
/// A read-only pass-through over a blob download that reports the bytes read so far (at most
/// every 256 KiB) and ends a download that stalls: a read that gets no byte within
/// <paramref name="stallTimeout"/> is an error, so a registry that stops sending mid-blob cannot
/// hold the pull (and the store lock) forever. A connection that breaks mid-body is a
/// <see cref="TransferBrokenException"/>, which the download may resume with Range; reported
/// positions count from <paramref name="start"/>, the bytes kept before this response.
/// </summary>
internal sealed class ProgressStream(Stream inner, Action<long> report, TimeSpan stallTimeout, string what, long start = 0) : Stream
{
    private const long Step = 256 * 1024;
    private long _read;
    private long _reported;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(stallTimeout);
        int n;
        try
        {
            n = await inner.ReadAsync(buffer, stall.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RegistryException($"{what}: the registry sent nothing for {stallTimeout.TotalSeconds:0.#} s after {start + _read} bytes");
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            throw new TransferBrokenException($"{what}: the connection broke after {start + _read} bytes: {e.Message}", e);
        }
        Count(n);
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    private void Count(int n)
    {
        _read += n;
        if (_read - _reported < Step) return;
        _reported = _read;
        report(start + _read);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => start + _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A blob's body that ended early because the connection broke: the bytes so far are good, the rest may be asked for.</summary>
internal sealed class TransferBrokenException(string message, Exception inner) : ImageException(message, inner);
