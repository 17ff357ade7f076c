using Sublet.Linux.Interop;

namespace Sublet.Linux.Mounts;

/// <summary>Mount operations through the new mount API (open_tree(2), mount_setattr(2), move_mount(2)) and mount(2).</summary>
public sealed class LinuxMounter : IMounter
{
    private readonly string _mountInfoPath;

    public LinuxMounter(string mountInfoPath = "/proc/self/mountinfo") => _mountInfoPath = mountInfoPath;

    public void MountIdmapped(string source, string target, SafeFd userNamespace, bool readOnly, Propagation propagation = Propagation.Private, SetIdBits setId = SetIdBits.AsSource)
    {
        bool added = false;
        userNamespace.DangerousAddRef(ref added);
        try
        {
            var attr = Attributes(propagation, setId);
            attr.AttrSet |= Libc.MOUNT_ATTR_IDMAP;
            attr.UsernsFd = (ulong)userNamespace.Fd;
            Clone(source, target, attr, "mount_setattr(MOUNT_ATTR_IDMAP)", topReadOnly: readOnly);
        }
        finally
        {
            if (added)
            {
                userNamespace.DangerousRelease();
            }
        }
    }

    public void MountClone(string source, string target, Propagation propagation = Propagation.Private) =>
        Clone(source, target, Attributes(propagation, SetIdBits.AsSource), "mount_setattr");

    public void BindNoSuidNoDev(string directory) => Clone(directory, directory, new Libc.MountAttr
    {
        AttrSet = Libc.MOUNT_ATTR_NOSUID | Libc.MOUNT_ATTR_NODEV,
        Propagation = Libc.MS_PRIVATE,
    }, "mount_setattr(MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)");

    /// <summary>nodev always (a pod never gets device nodes through a volume), the propagation, and nosuid as asked.</summary>
    private static Libc.MountAttr Attributes(Propagation propagation, SetIdBits setId) => new()
    {
        AttrSet = Libc.MOUNT_ATTR_NODEV | (setId == SetIdBits.Ignored ? Libc.MOUNT_ATTR_NOSUID : 0),
        AttrClr = setId == SetIdBits.Honoured ? Libc.MOUNT_ATTR_NOSUID : 0,
        // The clone is a peer of a shared source (fs/namespace.c clone_mnt); slave or shared keeps it receiving.
        Propagation = propagation switch { Propagation.Slave => Libc.MS_SLAVE, Propagation.Shared => Libc.MS_SHARED, _ => Libc.MS_PRIVATE },
    };

    /// <param name="topReadOnly">MOUNT_ATTR_RDONLY on the clone's top mount alone (a second mount_setattr(2) without AT_RECURSIVE).</param>
    private static unsafe void Clone(string source, string target, Libc.MountAttr attr, string setattr, bool topReadOnly = false)
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
        byte empty = 0;
        // AT_RECURSIVE applies the attributes to every mount of the cloned tree. Clearing nosuid on
        // a detached clone is allowed: nothing is locked in the initial mount namespace.
        if (Libc.SyscallMountSetattr(Libc.SYS_mount_setattr, tree.Fd, &empty,
                Libc.AT_EMPTY_PATH | Libc.AT_RECURSIVE, &attr, (nuint)sizeof(Libc.MountAttr)) != 0)
        {
            throw LinuxError.Last(setattr, source);
        }
        var readOnly = new Libc.MountAttr { AttrSet = Libc.MOUNT_ATTR_RDONLY };
        if (topReadOnly && Libc.SyscallMountSetattr(Libc.SYS_mount_setattr, tree.Fd, &empty, Libc.AT_EMPTY_PATH, &readOnly, (nuint)sizeof(Libc.MountAttr)) != 0)
        {
            throw LinuxError.Last("mount_setattr(MOUNT_ATTR_RDONLY)", source);
        }
        if (Libc.SyscallMoveMount(Libc.SYS_move_mount, tree.Fd, "", Libc.AT_FDCWD, target, Libc.MOVE_MOUNT_F_EMPTY_PATH) != 0)
        {
            throw LinuxError.Last("move_mount", target);
        }
    }

    public void MountOverlay(string target, IReadOnlyList<string> lowerDirsTopFirst, string upperDir, string workDir, bool noDev = false)
    {
        // Overlay options are one page at most (fs/overlayfs/params.c); callers keep paths short.
        var data = $"lowerdir={string.Join(':', lowerDirsTopFirst.Select(EscapeOverlayPath))},upperdir={EscapeOverlayPath(upperDir)},workdir={EscapeOverlayPath(workDir)}";
        if (Libc.Mount("overlay", target, "overlay", noDev ? Libc.MS_NODEV : 0, data) != 0)
        {
            throw LinuxError.Last("mount overlay", target);
        }
    }

    public void MountTmpfs(string target, string options)
    {
        // tmpfs(5) options; the flags are mount(2)'s. A user-namespaced pod binds an idmapped
        // clone, which may clear nosuid again (SetIdBits.Honoured); a host-users pod's bind gets
        // exactly the OCI mount options from runc's bind remount.
        if (Libc.Mount("tmpfs", target, "tmpfs", Libc.MS_NOSUID | Libc.MS_NODEV, options) != 0)
        {
            throw LinuxError.Last("mount tmpfs", target);
        }
    }

    public MountFlags FlagsOf(string path)
    {
        if (Libc.Statfs(path, out var fs) != 0)
        {
            throw LinuxError.Last("statfs", path);
        }
        // statfs(2) f_flags: ST_RDONLY 1, ST_NOSUID 2, ST_NODEV 4, ST_NOEXEC 8, the values of MountFlags.
        return (MountFlags)(fs.Flags & 0xF);
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
