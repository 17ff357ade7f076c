using Sublet.Linux.Interop;
using Sublet.Linux.Mounts;

namespace Sublet.Linux.Filesystems;

/// <summary>The syscalls behind an idmap verdict; <see cref="LinuxIdmapProbe"/> acts, tests fake it.</summary>
public interface IIdmapProbe
{
    /// <summary>Null when <paramref name="path"/>'s filesystem takes MOUNT_ATTR_IDMAP, else the failed call and the errno that says why not.</summary>
    LinuxError? TryIdmap(string path, SafeFd userNamespace);

    /// <summary>Null when overlayfs mounts over an idmapped lower layer in a scratch directory under <paramref name="parent"/>, else the failed step's error.</summary>
    LinuxError? TryIdmappedOverlay(string parent, SafeFd userNamespace);
}

public sealed class LinuxIdmapProbe : IIdmapProbe
{
    /// <summary>
    /// The errors by which mount_setattr(2) says "not here": EINVAL (the filesystem lacks
    /// FS_ALLOW_IDMAP, or the mount's superblock isn't owned by the initial user namespace),
    /// EPERM (idmapped mounts disabled, as RHEL 9 kernels do), ENOSYS (before 5.12), EOPNOTSUPP.
    /// </summary>
    public static bool MeansUnsupported(int errno) => errno is Errno.EINVAL or Errno.EPERM or Errno.ENOSYS or Errno.EOPNOTSUPP;

    /// <summary>
    /// open_tree(2) OPEN_TREE_CLONE makes a detached, never-attached copy of the path's mount, which
    /// is what mount_setattr(2) can idmap; closing the descriptor drops the copy. Nothing is attached.
    /// </summary>
    public unsafe LinuxError? TryIdmap(string path, SafeFd userNamespace)
    {
        var treeFd = Libc.SyscallOpenTree(Libc.SYS_open_tree, Libc.AT_FDCWD, path, Libc.OPEN_TREE_CLONE | Libc.OPEN_TREE_CLOEXEC);
        if (treeFd < 0)
        {
            var error = LinuxError.Last("open_tree", path);
            return error.Errno == Errno.ENOSYS ? error : throw error;
        }
        using var tree = new SafeFd(treeFd);
        var attr = new Libc.MountAttr { AttrSet = Libc.MOUNT_ATTR_IDMAP, UsernsFd = (ulong)userNamespace.Fd };
        byte empty = 0;
        var added = false;
        userNamespace.DangerousAddRef(ref added);
        try
        {
            if (Libc.SyscallMountSetattr(Libc.SYS_mount_setattr, tree.Fd, &empty, Libc.AT_EMPTY_PATH, &attr, (nuint)sizeof(Libc.MountAttr)) == 0)
            {
                return null;
            }
            var error = LinuxError.Last("mount_setattr(MOUNT_ATTR_IDMAP)", path);
            return MeansUnsupported(error.Errno) ? error : throw error;
        }
        finally
        {
            if (added)
            {
                userNamespace.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// What <c>RootfsBuilder</c> does for a pod: an idmapped read-only bind of a layer directory,
    /// overlayfs with it as lowerdir and a plain upper/work, then both unmounted and the scratch
    /// directory removed. Kernels before 5.19 refuse the overlay ("idmapped layers are currently
    /// not supported").
    /// </summary>
    public LinuxError? TryIdmappedOverlay(string parent, SafeFd userNamespace)
    {
        var root = Directory.CreateDirectory(Path.Combine(parent, $".sublet-overlay-probe-{Guid.NewGuid():N}")).FullName;
        var mounter = new LinuxMounter();
        var lower = Path.Combine(root, "lower");
        var staging = Path.Combine(root, "staging");
        var merged = Path.Combine(root, "merged");
        try
        {
            foreach (var dir in new[] { lower, staging, merged, Path.Combine(root, "upper"), Path.Combine(root, "work") })
            {
                Directory.CreateDirectory(dir);
            }
            File.WriteAllText(Path.Combine(lower, "layer-file"), "probe\n");
            try
            {
                mounter.MountIdmapped(lower, staging, userNamespace, readOnly: true);
                mounter.MountOverlay(merged, [staging], Path.Combine(root, "upper"), Path.Combine(root, "work"), noDev: true);
                return File.Exists(Path.Combine(merged, "layer-file"))
                    ? null
                    : new LinuxError("overlay over an idmapped layer hides the layer's files", merged, Errno.ENOENT);
            }
            catch (LinuxError e) when (MeansUnsupported(e.Errno))
            {
                return e;
            }
        }
        finally
        {
            // Each step on its own, so one failure doesn't leave the others behind.
            try
            {
                mounter.Unmount(merged);
            }
            finally
            {
                try
                {
                    mounter.Unmount(staging);
                }
                finally
                {
                    Directory.Delete(root, recursive: true);
                }
            }
        }
    }
}
