namespace Sublet.Cri.Streaming.WebSockets;

/// <summary>
/// One channel of a <see cref="ChannelConnection"/> as a stream: reads give what the client sent
/// on it (end of file at its close signal or the connection's end, at once when the channel is
/// not read), writes send messages on it. Disposing sends nothing: upstream's server never
/// half-closes a channel, and client-go logs any message for a channel it does not know.
/// </summary>
internal sealed class ChannelStream(ChannelConnection connection, byte id, Stream? input) : Stream
{
    public byte Id => id;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => input?.Read(buffer, offset, count) ?? 0;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        input?.ReadAsync(buffer, cancellationToken) ?? ValueTask.FromResult(0);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        connection.Send(id, buffer, cancellationToken);

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
