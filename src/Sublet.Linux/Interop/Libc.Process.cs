using System.Runtime.InteropServices;

namespace Sublet.Linux.Interop;

internal static partial class Libc
{
    internal const int F_GETFD = 1;
    internal const int F_SETFD = 2;
    internal const int FD_CLOEXEC = 1;

    [LibraryImport(Name, EntryPoint = "pipe2", SetLastError = true)]
    internal static unsafe partial int Pipe2(int* fds, int flags);

    [LibraryImport(Name, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int cmd, int arg);

    [LibraryImport(Name, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    [LibraryImport(Name, EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Chown(string path, uint uid, uint gid);

    [LibraryImport(Name, EntryPoint = "execv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Execv(string path, string?[] argv);

    [LibraryImport(Name, EntryPoint = "geteuid")]
    internal static partial uint Geteuid();

    /// <summary>getrandom(2), glibc 2.25: the kernel's CSPRNG without opening a file or loading OpenSSL.</summary>
    [LibraryImport(Name, EntryPoint = "getrandom", SetLastError = true)]
    internal static unsafe partial nint GetRandom(byte* buffer, nuint length, uint flags);

    // pidfd_open(2) and pidfd_send_signal(2) through syscall(2): glibc wraps them only since 2.36,
    // and their numbers are the same on every architecture (added after the syscall tables merged).
    internal const long SYS_pidfd_send_signal = 424;
    internal const long SYS_pidfd_open = 434;

    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long Syscall(long number, long a1, long a2, long a3, long a4);
}
