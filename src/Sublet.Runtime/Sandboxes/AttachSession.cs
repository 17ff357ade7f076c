using System.Net.Sockets;
using System.Text;
using Sublet.Linux.Files;
using Sublet.Runtime.Monitor;

namespace Sublet.Runtime.Sandboxes;

/// <summary>
/// An attach to a container's main process through its conmon's attach socket
/// (<c>&lt;socket dir&gt;/&lt;container id&gt;/attach</c>, SOCK_SEQPACKET; conmon src/conn_sock.c).
/// conmon sends each read of the container's stdout or stderr as one packet whose first byte is
/// the pipe (2 stdout, 3 stderr: src/utils.h stdpipe_t) and writes what it receives, as is, to
/// the container's stdin; the client shutting down its sending side closes that stdin unless
/// conmon was told <c>--leave-stdin-open</c> (src/conn_sock.c terminate_remote_sock). Window
/// sizes go through the bundle's control FIFO ("1 HEIGHT WIDTH\n", src/ctrl.c). Ending the
/// session only closes the socket: the container keeps running.
/// </summary>
internal sealed class AttachSession : IStdioSession
{
    private const byte StdoutPipe = 2;
    private const byte StderrPipe = 3;

    /// <summary>conmon's CONN_SOCK_BUF_SIZE (src/config.h): what it reads of one packet.</summary>
    private const int ConmonBuffer = 32 * 1024;

    /// <summary>What conmon sends: a read of up to its buffer, one more byte for the pipe.</summary>
    private const int PacketSize = ConmonBuffer + 1;

    /// <summary>sun_path holds 108 bytes with its NUL (unix(7)).</summary>
    private const int MaxSocketPath = 107;

    private readonly Socket _socket;
    private readonly string _bundle;
    private readonly bool _stdin;

    private AttachSession(Socket socket, string bundle, bool stdin)
    {
        _socket = socket;
        _bundle = bundle;
        _stdin = stdin;
    }

    /// <param name="stdin">Whether the container was created with stdin (conmon --stdin): without, input is dropped.</param>
    public static AttachSession Connect(string socketPath, string bundle, bool stdin)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        try
        {
            if (Encoding.UTF8.GetByteCount(socketPath) <= MaxSocketPath)
            {
                socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            }
            else
            {
                // A long state root: reach the socket through a descriptor of its directory.
                using var dir = Linux.SafeFd.OpenReadOnly(Path.GetDirectoryName(socketPath)!);
                socket.Connect(new UnixDomainSocketEndPoint($"/proc/self/fd/{dir.DangerousGetHandle()}/{Path.GetFileName(socketPath)}"));
            }
            return new AttachSession(socket, bundle, stdin);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            socket.Dispose();
            throw new RuntimeError(ErrorKind.FailedPrecondition, $"attach: the container's monitor does not answer on {socketPath}: {e.Message}");
        }
    }

    public void Resize(ushort width, ushort height) =>
        Fifo.TryWrite(ConmonPaths.ControlFifo(_bundle), Encoding.ASCII.GetBytes($"1 {height} {width}\n"));

    public async Task<int?> RunAsync(Stream? stdin, Stream? stdout, Stream? stderr, CancellationToken cancel)
    {
        using var stop = cancel.Register(_socket.Dispose);
        if (stdin is not null)
        {
            var to = _stdin ? new PacketWriter(_socket) : Stream.Null;
            _ = StdioCopy.Input(stdin, to, EndInput, cancel);
        }
        var packet = new byte[PacketSize];
        while (true)
        {
            int read;
            try
            {
                read = await _socket.ReceiveAsync(packet, SocketFlags.None, cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                cancel.ThrowIfCancellationRequested();
                break;
            }
            if (read == 0)
            {
                break;
            }
            var to = packet[0] switch
            {
                StdoutPipe => stdout,
                StderrPipe => stderr,
                _ => null,
            };
            if (to is not null && read > 1)
            {
                await to.WriteAsync(packet.AsMemory(1, read - 1), cancel).ConfigureAwait(false);
                await to.FlushAsync(cancel).ConfigureAwait(false);
            }
        }
        return null;
    }

    private void EndInput()
    {
        if (!_stdin)
        {
            return;
        }
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Detached already.
        }
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>
    /// Writes as SOCK_SEQPACKET packets of at most conmon's buffer (a longer packet would be cut
    /// short by its read); NetworkStream takes stream sockets only.
    /// </summary>
    private sealed class PacketWriter(Socket socket) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                while (!buffer.IsEmpty)
                {
                    var sent = await socket.SendAsync(buffer[..Math.Min(buffer.Length, ConmonBuffer)], SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    buffer = buffer[sent..];
                }
            }
            catch (SocketException e)
            {
                throw new IOException(e.Message, e);
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
