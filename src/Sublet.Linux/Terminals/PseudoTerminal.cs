using Microsoft.Win32.SafeHandles;
using Sublet.Linux.Interop;

namespace Sublet.Linux.Terminals;

/// <summary>
/// A pseudoterminal pair (pty(7)): Sublet keeps the master, a child process opens the slave by
/// its path. Used to give <c>runc exec -t</c> a terminal of its own as CRI-O does (kr/pty
/// <c>pty.Start</c>): runc then proxies between that terminal and the container's, forwards
/// window sizes on SIGWINCH, and still reports the exit code, which its detached
/// <c>--console-socket</c> mode cannot.
/// </summary>
public sealed class PseudoTerminal : IDisposable
{
    private PseudoTerminal(SafeFileHandle master, string slavePath)
    {
        Master = master;
        SlavePath = slavePath;
    }

    /// <summary>The master side, opened read-write with O_CLOEXEC; reads fail with EIO once no process holds the slave.</summary>
    public SafeFileHandle Master { get; }

    /// <summary>/dev/pts/N, unlocked (ptsname(3), unlockpt(3)).</summary>
    public string SlavePath { get; }

    /// <summary>Opens /dev/ptmx and unlocks the slave (what posix_openpt, grantpt and unlockpt do on Linux's devpts).</summary>
    public static PseudoTerminal Open()
    {
        var master = File.OpenHandle("/dev/ptmx", FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            var fd = (int)master.DangerousGetHandle();
            var unlock = 0;
            if (Libc.Ioctl(fd, Libc.TIOCSPTLCK, ref unlock) < 0)
            {
                throw LinuxError.Last("ioctl TIOCSPTLCK", "/dev/ptmx");
            }
            var number = 0;
            if (Libc.Ioctl(fd, Libc.TIOCGPTN, ref number) < 0)
            {
                throw LinuxError.Last("ioctl TIOCGPTN", "/dev/ptmx");
            }
            return new PseudoTerminal(master, $"/dev/pts/{number}");
        }
        catch
        {
            master.Dispose();
            throw;
        }
    }

    /// <summary>Sets the window size; the kernel sends SIGWINCH to the slave's foreground process group (ioctl_tty(2) TIOCSWINSZ).</summary>
    public void Resize(ushort columns, ushort rows)
    {
        var size = new Libc.WinSize { Columns = columns, Rows = rows };
        var added = false;
        Master.DangerousAddRef(ref added);
        try
        {
            if (Libc.Ioctl((int)Master.DangerousGetHandle(), Libc.TIOCSWINSZ, ref size) < 0)
            {
                throw LinuxError.Last("ioctl TIOCSWINSZ", SlavePath);
            }
        }
        finally
        {
            if (added)
            {
                Master.DangerousRelease();
            }
        }
    }

    public void Dispose() => Master.Dispose();
}
