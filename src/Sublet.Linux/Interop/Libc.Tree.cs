using System.Runtime.InteropServices;

namespace Sublet.Linux.Interop;

/// <summary>Calls for removing a tree one directory descriptor at a time (TreeRemover).</summary>
internal static partial class Libc
{
    // fcntl.h (x86_64): unlinkat(2) flag removing a directory.
    internal const int AT_REMOVEDIR = 0x200;
    internal const int SEEK_SET = 0;

    // dirent.h d_type values (getdents64(2)); DT_UNKNOWN when the filesystem does not fill it.
    internal const byte DT_UNKNOWN = 0;
    internal const byte DT_DIR = 4;

    /// <summary>struct linux_dirent64 offsets: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name.</summary>
    internal const int DirentReclenOffset = 16;
    internal const int DirentTypeOffset = 18;
    internal const int DirentNameOffset = 19;

    // Names as NUL-terminated bytes: a file name is any bytes but '/' and NUL, not always UTF-8.
    [LibraryImport(Name, EntryPoint = "openat", SetLastError = true)]
    internal static partial int Openat(int dirfd, byte[] path, int flags, uint mode);

    [LibraryImport(Name, EntryPoint = "unlinkat", SetLastError = true)]
    internal static partial int Unlinkat(int dirfd, byte[] path, int flags);

    // glibc 2.30+ wraps getdents64(2) (Debian 12: 2.36).
    [LibraryImport(Name, EntryPoint = "getdents64", SetLastError = true)]
    internal static unsafe partial nint Getdents64(int fd, byte* buffer, nuint count);

    [LibraryImport(Name, EntryPoint = "lseek", SetLastError = true)]
    internal static partial long Lseek(int fd, long offset, int whence);
}
