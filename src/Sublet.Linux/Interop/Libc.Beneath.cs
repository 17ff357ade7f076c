using System.Runtime.InteropServices;

namespace Sublet.Linux.Interop;

internal static partial class Libc
{
    // openat2(2), Linux 5.6+: x86_64 syscall 437; glibc 2.36 has no wrapper.
    internal const long SYS_openat2 = 437;

    // linux/openat2.h RESOLVE_* flags.
    internal const ulong RESOLVE_NO_XDEV = 0x01;
    internal const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    internal const ulong RESOLVE_BENEATH = 0x08;
    internal const ulong RESOLVE_IN_ROOT = 0x10;

    /// <summary>struct open_how (openat2(2)): flags, mode, resolve; 24 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int SyscallOpenat2(long number, int dirfd, string path, OpenHow* how, nuint size);

    [LibraryImport(Name, EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Mkdirat(int dirfd, string path, uint mode);

    [LibraryImport(Name, EntryPoint = "fchmod", SetLastError = true)]
    internal static partial int Fchmod(int fd, uint mode);

    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    internal static unsafe partial int SyscallOpenTreeFd(long number, int dirfd, byte* path, uint flags);

    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int SyscallMoveMountFd(long number, int fromDirfd, byte* fromPath, int toDirfd, string toPath, uint flags);
}
