using Sublet.Linux.Interop;

namespace Sublet.Linux.Files;

/// <summary>The file type bits of st_mode (inode(7)).</summary>
public enum PathKind
{
    Missing,
    Regular,
    Directory,
    Symlink,
    Socket,
    CharDevice,
    BlockDevice,
    Fifo,
}

public static class PathKinds
{
    /// <summary>The kind in words, for messages: "a FIFO", "a character device".</summary>
    public static string Describe(PathKind kind) => kind switch
    {
        PathKind.Missing => "missing",
        PathKind.Regular => "a regular file",
        PathKind.Directory => "a directory",
        PathKind.Symlink => "a symlink",
        PathKind.Socket => "a socket",
        PathKind.CharDevice => "a character device",
        PathKind.BlockDevice => "a block device",
        PathKind.Fifo => "a FIFO",
        _ => kind.ToString(),
    };

    private const uint STATX_TYPE = 0x1;
    private const int StatxModeOffset = 28; // struct statx: stx_mode is a __u16 after mask, blksize, attributes, nlink, uid, gid
    private const int AT_SYMLINK_NOFOLLOW = 0x100;

    /// <summary>What <paramref name="path"/> is; a symlink itself when <paramref name="follow"/> is false.</summary>
    public static unsafe PathKind Of(string path, bool follow = true)
    {
        var buffer = stackalloc byte[Libc.StatxSize];
        new Span<byte>(buffer, Libc.StatxSize).Clear();
        if (Libc.Statx(Libc.AT_FDCWD, path, follow ? 0 : AT_SYMLINK_NOFOLLOW, STATX_TYPE, buffer) != 0)
        {
            var error = LinuxError.Last("statx", path);
            return error.Errno is Errno.ENOENT or Errno.ENOTDIR ? PathKind.Missing : throw error;
        }
        return FileStatus.KindOf(*(ushort*)(buffer + StatxModeOffset));
    }
}
