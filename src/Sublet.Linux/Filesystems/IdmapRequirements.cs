namespace Sublet.Linux.Filesystems;

/// <summary>What a filesystem needs before it can be idmapped, as far as is known (runtime-anchors.md §3.8).</summary>
/// <param name="Since">First Linux release that idmaps it; null with <paramref name="Never"/> or when unknown.</param>
/// <param name="Never">No Linux release idmaps it.</param>
public sealed record IdmapRequirement(string Filesystem, KernelVersion? Since, bool Never)
{
    /// <summary>MOUNT_ATTR_IDMAP itself (mount_setattr(2)): Linux 5.12, with ext4, xfs and fat.</summary>
    public static readonly KernelVersion IdmapMounts = new(5, 12);

    /// <summary>overlayfs over idmapped lower layers (Sublet's root filesystems): Linux 5.19.</summary>
    public static readonly KernelVersion OverlayOverIdmappedLayers = new(5, 19);

    /// <summary>tmpfs: Linux 6.3.</summary>
    public static readonly KernelVersion Tmpfs = new(6, 3);

    /// <summary>
    /// Known filesystems. btrfs gained FS_ALLOW_IDMAP in 5.15 (fs/btrfs/super.c); NFS and ramfs
    /// don't set it in any release; overlay can't be idmapped itself (DESIGN.md §4: EINVAL on 6.18),
    /// only its lower layers.
    /// </summary>
    public static IdmapRequirement For(string filesystem) => filesystem switch
    {
        "ext2" or "ext3" or "ext4" or "ext2/ext3/ext4" or "xfs" or "vfat" or "msdos" => new(filesystem, IdmapMounts, false),
        "btrfs" => new(filesystem, new KernelVersion(5, 15), false),
        "tmpfs" => new(filesystem, Tmpfs, false),
        "nfs" or "nfs4" or "ramfs" or "overlay" => new(filesystem, null, true),
        _ => new(filesystem, null, false),
    };

    /// <summary>What would make idmapping work, for the FIX column and error messages.</summary>
    public string Needed(KernelVersion running) =>
        Never ? Filesystem == "overlay"
                ? "overlay itself can't be idmapped: use a directory on the filesystem below it"
                : $"{Filesystem} can't be idmapped on any Linux release: use a local filesystem such as ext4, xfs or tmpfs"
        : Since is { } since && running < since ? $"Linux {since} or later (this is {running})"
        : "a filesystem and kernel that support idmapped mounts (mount_setattr(2) MOUNT_ATTR_IDMAP)";
}
