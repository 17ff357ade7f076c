using Sublet.Linux.Interop;

namespace Sublet.Linux.Mounts;

/// <summary>Mount operations through the new mount API (open_tree(2), mount_setattr(2), move_mount(2)) and mount(2).</summary>
public sealed class LinuxMounter : IMounter
{
    private readonly string _mountInfoPath;

    public LinuxMounter(string mountInfoPath = "/proc/self/mountinfo") => _mountInfoPath = mountInfoPath;

    public unsafe void MountIdmapped(string source, string target, SafeFd userNamespace, bool readOnly, Propagation propagation = Propagation.Private)
    {
        // OPEN_TREE_CLONE makes a detached copy: mount_setattr(2) only idmaps detached mounts
        // that have never been attached ("EINVAL ... the mount is already attached").
        var treeFd = Libc.SyscallOpenTree(Libc.SYS_open_tree, Libc.AT_FDCWD, source,
            Libc.OPEN_TREE_CLONE | Libc.OPEN_TREE_CLOEXEC | Libc.AT_RECURSIVE);
        if (treeFd < 0)
        {
            throw LinuxError.Last("open_tree", source);
        }
        using var tree = new SafeFd(treeFd);
        var attr = new Libc.MountAttr
        {
            AttrSet = Libc.MOUNT_ATTR_IDMAP | Libc.MOUNT_ATTR_NODEV | (readOnly ? Libc.MOUNT_ATTR_RDONLY : 0),
            // The clone is a peer of a shared source (fs/namespace.c clone_mnt); slave or shared keeps it receiving.
            Propagation = propagation switch { Propagation.Slave => Libc.MS_SLAVE, Propagation.Shared => Libc.MS_SHARED, _ => Libc.MS_PRIVATE },
            UsernsFd = (ulong)userNamespace.Fd,
        };
        byte empty = 0;
        bool added = false;
        userNamespace.DangerousAddRef(ref added);
        try
        {
            // AT_RECURSIVE applies the idmap to every mount of the cloned tree.
            if (Libc.SyscallMountSetattr(Libc.SYS_mount_setattr, tree.Fd, &empty,
                    Libc.AT_EMPTY_PATH | Libc.AT_RECURSIVE, &attr, (nuint)sizeof(Libc.MountAttr)) != 0)
            {
                throw LinuxError.Last("mount_setattr(MOUNT_ATTR_IDMAP)", source);
            }
        }
        finally
        {
            if (added)
            {
                userNamespace.DangerousRelease();
            }
        }
        if (Libc.SyscallMoveMount(Libc.SYS_move_mount, tree.Fd, "", Libc.AT_FDCWD, target, Libc.MOVE_MOUNT_F_EMPTY_PATH) != 0)
        {
            throw LinuxError.Last("move_mount", target);
        }
    }

    public void MountOverlay(string target, IReadOnlyList<string> lowerDirsTopFirst, string upperDir, string workDir, bool noDev)
    {
        // Overlay options are one page at most (fs/overlayfs/params.c); callers keep paths short.
        var data = $"lowerdir={string.Join(':', lowerDirsTopFirst.Select(EscapeOverlayPath))},upperdir={EscapeOverlayPath(upperDir)},workdir={EscapeOverlayPath(workDir)}";
        if (Libc.Mount("overlay", target, "overlay", noDev ? Libc.MS_NODEV : 0, data) != 0)
        {
            throw LinuxError.Last("mount overlay", target);
        }
    }

    public void MountTmpfs(string target, string options, bool noSuid = true)
    {
        // tmpfs(5) options; the flags are mount(2)'s. Whatever is set here is locked for the
        // pod's bind remounts from inside its user namespace (mount(2) EPERM), hence nodev always.
        if (Libc.Mount("tmpfs", target, "tmpfs", (noSuid ? Libc.MS_NOSUID : 0) | Libc.MS_NODEV, options) != 0)
        {
            throw LinuxError.Last("mount tmpfs", target);
        }
    }

    public void Unmount(string target)
    {
        if (Libc.Umount2(target, Libc.MNT_DETACH | Libc.UMOUNT_NOFOLLOW) != 0)
        {
            var error = LinuxError.Last("umount", target);
            if (error.Errno is Errno.EINVAL or Errno.ENOENT)
            {
                return; // not a mount point (any more), or gone
            }
            throw error;
        }
    }

    public IReadOnlyList<string> MountPointsUnder(string prefix) =>
        MountInfo.MountPointsUnder(File.ReadAllText(_mountInfoPath), prefix);

    // overlayfs splits lowerdir on ':' and treats '\' as escape (Documentation/filesystems/overlayfs.rst).
    private static string EscapeOverlayPath(string path) =>
        path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(":", "\\:", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal);
}
