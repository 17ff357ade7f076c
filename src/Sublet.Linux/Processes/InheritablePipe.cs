using Sublet.Linux.Interop;

namespace Sublet.Linux.Processes;

/// <summary>
/// A pipe whose write end one child inherits under its own fd number. conmon reads the number from
/// <c>_OCI_SYNCPIPE</c> (conmon src/conmon.c get_pipe_fd_from_env), so no dup2 to a fixed slot is
/// needed. Both ends are O_CLOEXEC and stay so here: <see cref="Spawn"/> hands the write end to the
/// one child it names it for (<see cref="SpawnRequest.Inherit"/>), and no other child gets it.
/// </summary>
public sealed class InheritablePipe : IDisposable
{
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

    /// <summary>The read end, for a test to read all a child said.</summary>
    internal nint ReadFd => _read.DangerousGetHandle();

    /// <summary>The write end's number as the child will see it.</summary>
    public int WriteFd => _write?.Fd ?? throw new ObjectDisposedException(nameof(InheritablePipe));

    /// <summary>Closes this process's copy of the write end, once the child has its own: reads then end when the child's does.</summary>
    public void CloseWriteEnd()
    {
        _write?.Dispose();
        _write = null;
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
