using System.Runtime.InteropServices;

namespace Sublet.Linux.Interop;

internal static partial class Libc
{
    // x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl); glibc 2.36 has no wrappers
    // for the new mount API, so they go through syscall(2).
    internal const long SYS_open_tree = 428;
    internal const long SYS_move_mount = 429;
    internal const long SYS_mount_setattr = 442;

    // open_tree(2)
    internal const uint OPEN_TREE_CLONE = 1;
    internal const uint OPEN_TREE_CLOEXEC = 0x80000; // = O_CLOEXEC
    internal const uint AT_RECURSIVE = 0x8000;
    internal const uint AT_EMPTY_PATH = 0x1000;
    internal const uint AT_SYMLINK_NOFOLLOW = 0x100;

    // move_mount(2)
    internal const uint MOVE_MOUNT_F_EMPTY_PATH = 0x4;

    // mount_setattr(2), linux/mount.h
    internal const ulong MOUNT_ATTR_RDONLY = 0x1;
    internal const ulong MOUNT_ATTR_NOSUID = 0x2;
    internal const ulong MOUNT_ATTR_NODEV = 0x4;
    internal const ulong MOUNT_ATTR_NOEXEC = 0x8;
    internal const ulong MOUNT_ATTR_IDMAP = 0x00100000;
    internal const ulong MS_PRIVATE = 1 << 18;
    internal const ulong MS_SLAVE = 1 << 19;
    internal const ulong MS_SHARED = 1 << 20;

    // mount(2) flags, linux/mount.h
    internal const ulong MS_BIND = 0x1000;
    internal const ulong MS_NOSUID = 0x2;
    internal const ulong MS_NODEV = 0x4;
    internal const ulong MS_NOEXEC = 0x8;

    // umount2(2)
    internal const int MNT_DETACH = 2;
    internal const int UMOUNT_NOFOLLOW = 8;

    internal const int AT_FDCWD = -100;

    [StructLayout(LayoutKind.Sequential)]
    internal struct MountAttr
    {
        public ulong AttrSet;
        public ulong AttrClr;
        public ulong Propagation;
        public ulong UsernsFd;
    }

    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SyscallOpenTree(long number, int dirfd, string path, uint flags);

    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    internal static unsafe partial int SyscallMountSetattr(long number, int dirfd, byte* path, uint flags, MountAttr* attr, nuint size);

    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SyscallMoveMount(long number, int fromDirfd, string fromPath, int toDirfd, string toPath, uint flags);

    [LibraryImport(Name, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Mount(string source, string target, string? fstype, ulong flags, string? data);

    [LibraryImport(Name, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Umount2(string target, int flags);

    [LibraryImport(Name, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags, uint mode);

    [LibraryImport(Name, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    internal const int O_RDONLY = 0;
    internal const int O_CLOEXEC = 0x80000;
    internal const int O_PATH = 0x200000;
    internal const int O_NOFOLLOW = 0x20000;
    internal const int O_DIRECTORY = 0x10000;
    internal const int O_NOCTTY = 0x100;
    internal const int O_NONBLOCK = 0x800;
}
