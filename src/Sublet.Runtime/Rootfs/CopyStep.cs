using Sublet.Linux.Files;

namespace Sublet.Runtime.Rootfs;

public enum CopyAction
{
    Directory,
    File,
    Symlink,
    /// <summary>Character or block device, FIFO, socket, and overlayfs whiteouts (0/0 character devices).</summary>
    Node,
    /// <summary>Another name of an inode already copied: a hard link to that copy, which carries the metadata.</summary>
    HardLink,
}

/// <summary>How one layer entry is copied: what to create, with which owner, mode and attributes.</summary>
/// <param name="Mode">Permission bits to set after the owner (chown(2) clears setuid/setgid); unused for symlinks, which have none.</param>
/// <param name="LinkTo">For <see cref="CopyAction.HardLink"/>: the copy made for the inode's first name.</param>
/// <param name="Dropped">Attributes left out, each with the reason.</param>
public sealed record CopyStep(
    CopyAction Action, uint Uid, uint Gid, uint Mode, IReadOnlyList<KeyValuePair<string, byte[]>> Xattrs, IReadOnlyList<string> Dropped, string? LinkTo = null);

/// <summary>The decisions of a chown copy, one entry at a time: no file is touched here.</summary>
public static class CopyPlanner
{
    /// <param name="xattrs">The entry's extended attributes as read from the layer.</param>
    /// <param name="firstCopy">Where an earlier name of the same inode (hard link) was copied, if any.</param>
    public static CopyStep Plan(FileStatus entry, IReadOnlyList<KeyValuePair<string, byte[]>> xattrs, IdShift shift, string? firstCopy)
    {
        if (entry.Kind != PathKind.Directory && firstCopy is not null)
        {
            return new CopyStep(CopyAction.HardLink, 0, 0, 0, [], [], firstCopy);
        }
        var action = entry.Kind switch
        {
            PathKind.Directory => CopyAction.Directory,
            PathKind.Regular => CopyAction.File,
            PathKind.Symlink => CopyAction.Symlink,
            PathKind.CharDevice or PathKind.BlockDevice or PathKind.Fifo or PathKind.Socket => CopyAction.Node,
            _ => throw new InvalidOperationException($"entry of unknown type (mode bits {entry.Mode:o})"),
        };
        var kept = new List<KeyValuePair<string, byte[]>>();
        var dropped = new List<string>();
        foreach (var (name, value) in xattrs)
        {
            if (name != FileCapability.Xattr)
            {
                // overlayfs markers (trusted.overlay.opaque), user.* and security labels carry no IDs.
                kept.Add(new(name, value));
            }
            else if (FileCapability.Shift(value, shift, out var why) is { } shifted)
            {
                kept.Add(new(name, shifted));
            }
            else
            {
                dropped.Add(why!);
            }
        }
        // setuid/setgid to an owner outside the range would be a host set-ID-nobody program: the
        // kernel ignores such bits inside the pod (unmapped owner), so nothing is lost by clearing them.
        var mode = entry.Mode;
        if (entry.Kind != PathKind.Directory)
        {
            if (!shift.Maps(entry.Uid)) mode &= ~SetUid;
            if (!shift.Maps(entry.Gid)) mode &= ~SetGid;
        }
        return new CopyStep(action, shift.Map(entry.Uid), shift.Map(entry.Gid), mode, kept, dropped);
    }

    private const uint SetUid = 0b100_000_000_000, SetGid = 0b010_000_000_000; // S_ISUID 04000, S_ISGID 02000 (inode(7))

    /// <summary>Whether a later name of this inode should become a hard link: non-directories with more than one link.</summary>
    public static bool MayHaveOtherNames(FileStatus entry) => entry.Kind != PathKind.Directory && entry.Links > 1;
}
