using System.Globalization;
using Sublet.Linux.Filesystems;

namespace Sublet.Linux.Mounts;

/// <summary>
/// The propagation of the mount holding a path, from its mountinfo optional fields (proc(5)):
/// <c>shared:N</c> = in peer group N, <c>master:N</c> = slave of peer group N.
/// </summary>
public sealed record MountPeers(string MountPoint, bool Shared, bool Slave)
{
    /// <summary>The mount with ID <paramref name="mountId"/> in <paramref name="mountInfoText"/>; null when absent.</summary>
    public static MountPeers? Parse(string mountInfoText, ulong mountId)
    {
        foreach (var line in mountInfoText.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (fields.Length < 7 || !ulong.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id != mountId)
            {
                continue;
            }
            // Optional fields run from field 7 to the "-" separator.
            var optional = fields.Skip(6).TakeWhile(f => f != "-").ToList();
            return new MountPeers(MountInfo.Unescape(fields[4]),
                optional.Exists(f => f.StartsWith("shared:", StringComparison.Ordinal)),
                optional.Exists(f => f.StartsWith("master:", StringComparison.Ordinal)));
        }
        return null;
    }

    /// <summary>The mount holding <paramref name="path"/> (symlinks followed; statx(2) STATX_MNT_ID).</summary>
    /// <exception cref="LinuxError">The path can't be reached.</exception>
    public static MountPeers? Of(string path, string mountInfoPath = "/proc/self/mountinfo") =>
        Filesystem.Statx(path).MountId is { } id ? Parse(File.ReadAllText(mountInfoPath), id) : null;
}
