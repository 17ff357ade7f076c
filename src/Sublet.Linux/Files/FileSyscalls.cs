using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Sublet.Linux.Interop;

namespace Sublet.Linux.Files;

/// <summary>
/// File-metadata calls the BCL lacks or only offers in a symlink-following form. Each acts on the
/// link itself where the call has an "l" variant, because an image layer's symlinks must never be
/// followed (lchown(2), lsetxattr(2), utimensat(2) with AT_SYMLINK_NOFOLLOW, linkat(2) without
/// AT_SYMLINK_FOLLOW).
/// A class of its own rather than a part of <see cref="Libc"/> so that names like AT_FDCWD or
/// Open cannot collide with the declarations other call families add to Libc.
/// </summary>
internal static partial class FileSyscalls
{
    internal const int AT_FDCWD = -100;
    internal const int AT_SYMLINK_NOFOLLOW = 0x100;
    internal const int O_RDONLY = 0x0;
    internal const int O_WRONLY = 0x1;
    internal const int O_RDWR = 0x2;
    internal const int O_CREAT = 0x40;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_NOFOLLOW = 0x20000;
    internal const int O_CLOEXEC = 0x80000;
    internal const int LOCK_SH = 1;
    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;

    [LibraryImport(Libc.Name, EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Lchown(string path, uint uid, uint gid);

    // mknod(2) is a real symbol since glibc 2.33 (Debian 12 ships 2.36).
    [LibraryImport(Libc.Name, EntryPoint = "mknod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Mknod(string path, uint mode, ulong dev);

    [LibraryImport(Libc.Name, EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Lsetxattr(string path, string name, byte[] value, nuint size, int flags);

    [LibraryImport(Libc.Name, EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint Lgetxattr(string path, string name, byte[] value, nuint size);

    // times = { atime.tv_sec, atime.tv_nsec, mtime.tv_sec, mtime.tv_nsec } (struct timespec[2] on LP64).
    [LibraryImport(Libc.Name, EntryPoint = "llistxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint Llistxattr(string path, byte[]? list, nuint size);

    [LibraryImport(Libc.Name, EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Utimensat(int dirfd, string path, long[] times, int flags);

    [LibraryImport(Libc.Name, EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Linkat(int olddirfd, string oldpath, int newdirfd, string newpath, int flags);

    [LibraryImport(Libc.Name, EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Rename(string oldpath, string newpath);

    [LibraryImport(Libc.Name, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial SafeFileHandle Open(string path, int flags, uint mode);

    [LibraryImport(Libc.Name, EntryPoint = "flock", SetLastError = true)]
    internal static partial int Flock(SafeFileHandle fd, int operation);
}
