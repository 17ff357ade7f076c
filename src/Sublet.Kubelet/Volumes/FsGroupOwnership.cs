using Sublet.Linux.Files;

namespace Sublet.Kubelet.Volumes;

/// <summary>What to do to one file: its new group (null = keep) and permission bits (null = keep).</summary>
public sealed record OwnershipChange(uint? Gid, uint? Mode);

/// <summary>
/// <c>securityContext.fsGroup</c> on a volume that supports ownership management (emptyDir,
/// configMap, secret, downwardAPI, projected; never hostPath), as the kubelet's
/// SetVolumeOwnership (pkg/volume/volume_linux.go) applies it: every file and directory gets the
/// group fsGroup, files gain rw for the group (ro 0440 on a read-only volume), directories also
/// setgid and x (so new files inherit the group). The group is written as on disk: through a
/// user-namespaced pod's idmapped mount on-disk GID G is G inside too, so the pod sees fsGroup,
/// and nothing is chowned into the pod's host range.
/// </summary>
public static class FsGroupOwnership
{
    private const uint RwMask = 0x1B0;   // 0660
    private const uint RoMask = 0x120;   // 0440
    private const uint ExecMask = 0x48;  // 0110
    private const uint SetGid = 0x400;   // 02000

    /// <summary>The kubelet's changeFilePermission: lchown to the group; chmod mode|mask, never through a symlink.</summary>
    /// <param name="mode">Permission bits with setuid, setgid and sticky (st_mode &amp; 07777).</param>
    public static OwnershipChange Decide(PathKind kind, uint mode, uint gid, uint fsGroup, bool readOnly)
    {
        var newGid = gid == fsGroup ? (uint?)null : fsGroup;
        if (kind == PathKind.Symlink)
        {
            return new(newGid, null); // chmod would change the target, which the volume's own modes set
        }
        var mask = (readOnly ? RoMask : RwMask) | (kind == PathKind.Directory ? SetGid | ExecMask : 0);
        return new(newGid, (mode | mask) == mode ? null : mode | mask);
    }

    /// <summary>
    /// fsGroupChangePolicy OnRootMismatch (kubelet requiresPermissionChange): the walk is skipped
    /// when the root is a directory already of group fsGroup, with setgid and the mask's bits.
    /// </summary>
    public static bool RootFits(PathKind kind, uint mode, uint gid, uint fsGroup, bool readOnly)
    {
        var perms = (readOnly ? RoMask : RwMask) | ExecMask;
        return kind == PathKind.Directory && gid == fsGroup && (mode & perms) == perms && (mode & SetGid) != 0;
    }

    /// <summary>Applies fsGroup to <paramref name="dir"/> and everything below it, not following symlinks (the kubelet's walkDeep).</summary>
    /// <remarks>
    /// Path-based (lstat, then lchown/chmod), so it must only walk trees no pod process can change
    /// meanwhile: a fresh emptyDir before the pod's first container starts, and configMap/secret/
    /// downwardAPI/projected directories, which only Sublet writes. Walking a volume a running pod
    /// writes to would let it swap a directory for a symlink between the lstat and the chmod.
    /// </remarks>
    public static void Apply(string dir, long? fsGroup, bool onRootMismatch, bool readOnly)
    {
        if (fsGroup is not { } group)
        {
            return;
        }
        var gid = (uint)group;
        if (onRootMismatch && FileStatus.Of(dir) is var root && RootFits(root.Kind, root.Mode, root.Gid, gid, readOnly))
        {
            return;
        }
        var pending = new Stack<string>([dir]);
        while (pending.TryPop(out var path))
        {
            var stat = FileStatus.Of(path);
            var change = Decide(stat.Kind, stat.Mode, stat.Gid, gid, readOnly);
            if (change.Gid is { } newGid)
            {
                FileOps.LchownGroup(path, newGid);
            }
            if (change.Mode is { } mode)
            {
                File.SetUnixFileMode(path, (UnixFileMode)mode); // not a symlink (Decide), so this acts on the entry itself
            }
            if (stat.Kind == PathKind.Directory)
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(path))
                {
                    pending.Push(entry);
                }
            }
        }
    }
}
