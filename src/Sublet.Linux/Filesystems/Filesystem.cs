using System.Globalization;
using Sublet.Linux.Interop;
using Sublet.Linux.Mounts;

namespace Sublet.Linux.Filesystems;

/// <summary>
/// The filesystem a path lives on. <paramref name="Name"/> is the mount's type from mountinfo
/// (<c>ext4</c>, <c>fuse.sshfs</c>) when found, else the statfs(2) magic's name.
/// </summary>
/// <param name="Magic">statfs(2) f_type.</param>
/// <param name="Device">The superblock's device, <c>MAJOR:MINOR</c> (statx(2) stx_dev_*): the cache key of idmap probes.</param>
/// <param name="MountPoint">The mount holding the path (mountinfo field 5), when found.</param>
public sealed record Filesystem(string Name, long Magic, string Device, string? MountPoint)
{
    /// <summary>statfs(2) + statx(2) (STATX_MNT_ID) on <paramref name="path"/> (symlinks followed), then its line in mountinfo (proc(5)).</summary>
    /// <exception cref="LinuxError">The path can't be reached.</exception>
    public static Filesystem Of(string path, string mountInfoPath = "/proc/self/mountinfo")
    {
        if (Libc.Statfs(path, out var fs) != 0)
        {
            throw LinuxError.Last("statfs", path);
        }
        var (major, minor, mountId) = Statx(path);
        var entry = mountId is { } id ? MountTable.Find(File.ReadAllText(mountInfoPath), id) : null;
        var name = entry?.FsType ?? FilesystemMagic.Name(fs.Type);
        return new Filesystem(name, fs.Type, string.Create(CultureInfo.InvariantCulture, $"{major}:{minor}"), entry?.MountPoint);
    }

    /// <summary>The path itself when it exists, else its nearest existing ancestor (what a <c>DirectoryOrCreate</c> would be created on).</summary>
    public static string NearestExisting(string path)
    {
        var current = Path.GetFullPath(path);
        while (!Path.Exists(current))
        {
            current = Path.GetDirectoryName(current) ?? "/";
        }
        return current;
    }

    internal static unsafe (uint Major, uint Minor, ulong? MountId) Statx(string path)
    {
        var buffer = stackalloc byte[Libc.StatxSize];
        new Span<byte>(buffer, Libc.StatxSize).Clear();
        if (Libc.Statx(Libc.AT_FDCWD, path, 0, Libc.STATX_MNT_ID, buffer) != 0)
        {
            throw LinuxError.Last("statx", path);
        }
        var mask = *(uint*)(buffer + Libc.StatxMaskOffset);
        var major = *(uint*)(buffer + Libc.StatxDevMajorOffset);
        var minor = *(uint*)(buffer + Libc.StatxDevMinorOffset);
        ulong? mountId = (mask & Libc.STATX_MNT_ID) != 0 ? *(ulong*)(buffer + Libc.StatxMountIdOffset) : null;
        return (major, minor, mountId);
    }
}

/// <summary>One line of /proc/PID/mountinfo (proc(5)): mount ID (field 1), mount point (field 5) and the type after the " - " separator.</summary>
public sealed record MountTableEntry(ulong MountId, string MountPoint, string FsType, string Source);

public static class MountTable
{
    public static IReadOnlyList<MountTableEntry> Parse(string mountInfoText)
    {
        var result = new List<MountTableEntry>();
        foreach (var line in mountInfoText.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            // Optional fields (shared:N, master:N …) come between field 6 and the "-" separator.
            var separator = fields.Length > 6 ? Array.IndexOf(fields, "-", 6) : -1;
            if (separator < 0 || separator + 2 >= fields.Length
                || !ulong.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                continue;
            }
            result.Add(new MountTableEntry(id, MountInfo.Unescape(fields[4]), MountInfo.Unescape(fields[separator + 1]), MountInfo.Unescape(fields[separator + 2])));
        }
        return result;
    }

    public static MountTableEntry? Find(string mountInfoText, ulong mountId) =>
        Parse(mountInfoText).LastOrDefault(e => e.MountId == mountId);
}
