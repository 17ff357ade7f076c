using Sublet.Linux.Interop;

namespace Sublet.Linux.Files;

/// <summary>Bytes and inodes a directory tree occupies, as <c>du -x</c> counts them.</summary>
/// <param name="Bytes">Allocated blocks × 512 (statx(2) stx_blocks), each hard-linked inode once.</param>
/// <param name="Inodes">Distinct inodes, the root included.</param>
public sealed record DiskUsage(ulong Bytes, ulong Inodes)
{
    private const uint STATX_TYPE_INO_BLOCKS = 0x1 | 0x100 | 0x400; // STATX_TYPE | STATX_INO | STATX_BLOCKS
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const int BlocksOffset = 48; // struct statx: stx_blocks (u64)

    /// <summary>
    /// Walks <paramref name="root"/> without following symlinks and without crossing into other
    /// filesystems (a pod's mounts under the state directory are not its usage). A missing root
    /// is empty; entries that vanish during the walk are skipped (pods come and go meanwhile).
    /// </summary>
    public static DiskUsage Of(string root)
    {
        if (!Path.Exists(root))
        {
            return new DiskUsage(0, 0);
        }
        var rootStat = FileStatus.Of(root);
        var seen = new HashSet<ulong>();
        ulong bytes = 0;
        var pending = new Stack<string>();
        pending.Push(root);
        Count(root, ref bytes, seen);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            IEnumerable<string> entries;
            try
            {
                entries = Directory.EnumerateFileSystemEntries(dir).ToList();
            }
            catch (Exception e) when (e is DirectoryNotFoundException or UnauthorizedAccessException or IOException)
            {
                continue;
            }
            foreach (var entry in entries)
            {
                FileStatus status;
                try
                {
                    status = FileStatus.Of(entry);
                }
                catch (LinuxError)
                {
                    continue;
                }
                if (status.Device != rootStat.Device)
                {
                    continue;
                }
                Count(entry, ref bytes, seen);
                if (status.Kind == PathKind.Directory)
                {
                    pending.Push(entry);
                }
            }
        }
        return new DiskUsage(bytes, (ulong)seen.Count);
    }

    private static void Count(string path, ref ulong bytes, HashSet<ulong> seen)
    {
        if (Blocks(path) is { } b && seen.Add(b.Inode))
        {
            bytes += b.Blocks * 512;
        }
    }

    private static unsafe (ulong Inode, ulong Blocks)? Blocks(string path)
    {
        var buffer = stackalloc byte[Libc.StatxSize];
        new Span<byte>(buffer, Libc.StatxSize).Clear();
        if (Libc.Statx(Libc.AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE_INO_BLOCKS, buffer) != 0)
        {
            return null;
        }
        return (*(ulong*)(buffer + 32), *(ulong*)(buffer + BlocksOffset));
    }
}
