using Sublet.Linux.Interop;

namespace Sublet.Linux.Files;

/// <summary>What lstat says about one entry (statx(2) with AT_SYMLINK_NOFOLLOW): the entry itself, never a symlink's target.</summary>
/// <param name="Mode">Permission bits including setuid, setgid and sticky (st_mode &amp; 07777).</param>
/// <param name="Device">The filesystem's device (stx_dev_major:stx_dev_minor), with <paramref name="Inode"/> the identity of a hard-linked inode.</param>
public sealed record FileStatus(
    PathKind Kind, uint Mode, uint Uid, uint Gid, uint Links, ulong Inode, (uint Major, uint Minor) Device,
    (uint Major, uint Minor) Rdev, DateTimeOffset Mtime)
{
    private const uint STATX_BASIC_STATS = 0x7ff;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;

    /// <summary>lstat of <paramref name="path"/>; throws <see cref="LinuxError"/> naming the path.</summary>
    public static FileStatus Of(string path) => Stat(Libc.AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, path);

    /// <summary>fstat of an open descriptor (an O_PATH one too: statx(2) AT_EMPTY_PATH); <paramref name="path"/> names it in errors.</summary>
    public static FileStatus Of(SafeFd fd, string path) => Stat(fd.Fd, "", (int)Libc.AT_EMPTY_PATH, path);

    /// <summary>fstat of a BCL handle (a log a reader keeps open while the writer may replace the path).</summary>
    public static FileStatus Of(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return Stat((int)handle.DangerousGetHandle(), "", (int)Libc.AT_EMPTY_PATH, path);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static unsafe FileStatus Stat(int dirfd, string name, int flags, string path)
    {
        var buffer = stackalloc byte[Libc.StatxSize];
        new Span<byte>(buffer, Libc.StatxSize).Clear();
        if (Libc.Statx(dirfd, name, flags, STATX_BASIC_STATS, buffer) != 0)
        {
            throw LinuxError.Last("statx", path);
        }
        // struct statx (linux/stat.h): nlink@16, uid@20, gid@24, mode@28 (u16), ino@32,
        // mtime@112 (i64 sec, u32 nsec), rdev@128/132, dev@136/140.
        var mode = *(ushort*)(buffer + 28);
        var seconds = *(long*)(buffer + 112);
        var nanos = *(uint*)(buffer + 120);
        var mtime = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanos / 100);
        return new FileStatus(KindOf(mode), mode & 0xFFFu, *(uint*)(buffer + 20), *(uint*)(buffer + 24), *(uint*)(buffer + 16),
            *(ulong*)(buffer + 32), (*(uint*)(buffer + 136), *(uint*)(buffer + 140)), (*(uint*)(buffer + 128), *(uint*)(buffer + 132)), mtime);
    }

    internal static PathKind KindOf(uint mode) => (mode & 0xF000) switch
    {
        0x8000 => PathKind.Regular,
        0x4000 => PathKind.Directory,
        0xA000 => PathKind.Symlink,
        0xC000 => PathKind.Socket,
        0x2000 => PathKind.CharDevice,
        0x6000 => PathKind.BlockDevice,
        0x1000 => PathKind.Fifo,
        _ => PathKind.Missing,
    };
}
