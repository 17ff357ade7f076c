using Sublet.Linux.Interop;

namespace Sublet.Linux.Processes;

/// <summary>
/// A pipe whose write end a child process inherits under its own fd number. conmon reads the
/// number from <c>_OCI_SYNCPIPE</c> (conmon src/conmon.c get_pipe_fd_from_env), so no dup2 to a
/// fixed slot is needed, which .NET's Process cannot do.
/// Both ends are created O_CLOEXEC; the write end loses it only for the duration of the spawn,
/// under a process-wide lock, so no other child started by this process inherits it.
/// </summary>
public sealed class InheritablePipe : IDisposable
{
    private static readonly Lock SpawnLock = new();
    private readonly SafeFd _read;
    private SafeFd? _write;

    public unsafe InheritablePipe()
    {
        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_CLOEXEC) != 0)
        {
            throw LinuxError.Last("pipe2");
        }
        _read = new SafeFd(fds[0]);
        _write = new SafeFd(fds[1]);
    }

    /// <summary>The write end's number as the child will see it.</summary>
    public int WriteFd => _write?.Fd ?? throw new ObjectDisposedException(nameof(InheritablePipe));

    /// <summary>Runs <paramref name="spawn"/> with the write end inheritable, then closes our copy of it.</summary>
    public T Spawn<T>(Func<T> spawn)
    {
        lock (SpawnLock)
        {
            var fd = WriteFd;
            if (Libc.Fcntl(fd, Libc.F_SETFD, 0) != 0)
            {
                throw LinuxError.Last("fcntl(F_SETFD)");
            }
            try
            {
                return spawn();
            }
            finally
            {
                _write!.Dispose();
                _write = null;
            }
        }
    }

    /// <summary>The first line the child wrote, or null when every write end closed first.</summary>
    public string? ReadFirstLine()
    {
        using var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(_read.DangerousGetHandle(), ownsHandle: false), FileAccess.Read, 1);
        using var reader = new StreamReader(stream);
        return reader.ReadLine();
    }

    public void Dispose()
    {
        _write?.Dispose();
        _read.Dispose();
    }
}
