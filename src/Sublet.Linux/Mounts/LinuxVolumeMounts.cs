using Sublet.Linux.Files;
using Sublet.Linux.Interop;

namespace Sublet.Linux.Mounts;

/// <summary>
/// <see cref="IVolumeMounts"/> through openat2(2), mkdirat(2), open_tree(2), mount_setattr(2) and
/// move_mount(2). Every path below a volume root is resolved by the kernel with RESOLVE_BENEATH, so
/// "..", absolute symlinks and symlinks that climb out fail with EXDEV instead of being followed.
/// </summary>
public sealed class LinuxVolumeMounts : IVolumeMounts
{
    public SafeFd? OpenBeneath(string root, string relative)
    {
        using var rootFd = OpenRoot(root, directory: false);
        var parts = Parts(relative);
        return parts.Length == 0 ? Reopen(rootFd, root) : Openat2(rootFd, root, string.Join('/', parts), Libc.O_PATH);
    }

    public void CreateDirectoriesBeneath(string root, string relative)
    {
        using var rootFd = OpenRoot(root, directory: true);
        var mode = FileStatus.Of(rootFd, root).Mode; // permission, setuid/setgid and sticky bits of the volume root
        var parts = Parts(relative);
        SafeFd parent = Reopen(rootFd, root);
        try
        {
            for (var i = 0; i < parts.Length; i++)
            {
                var prefix = string.Join('/', parts.Take(i + 1));
                // Existing components are resolved from the root again, so a symlink within the volume is fine.
                var child = Openat2(rootFd, root, prefix, Libc.O_PATH);
                if (child is null)
                {
                    if (Libc.Mkdirat(parent.Fd, parts[i], mode) != 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Errno.EEXIST)
                    {
                        throw LinuxError.Last("mkdirat", Path.Combine(root, prefix));
                    }
                    // Opened without following a symlink swapped in after mkdirat (kubelet doSafeMakeDir).
                    child = Openat2(parent, Path.Combine(root, prefix), parts[i], Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW)
                        ?? throw new LinuxError("open", Path.Combine(root, prefix), Errno.ENOENT);
                    if (Libc.Fchmod(child.Fd, mode) != 0)
                    {
                        var error = LinuxError.Last("fchmod", Path.Combine(root, prefix));
                        child.Dispose();
                        throw error;
                    }
                }
                parent.Dispose();
                parent = child;
            }
        }
        finally
        {
            parent.Dispose();
        }
    }

    public unsafe void AttachClone(SafeFd source, string target, CloneOptions options)
    {
        byte empty = 0;
        int treeFd;
        bool added = false;
        source.DangerousAddRef(ref added);
        try
        {
            treeFd = Libc.SyscallOpenTreeFd(Libc.SYS_open_tree, source.Fd, &empty,
                Libc.OPEN_TREE_CLONE | Libc.OPEN_TREE_CLOEXEC | Libc.AT_EMPTY_PATH | Libc.AT_RECURSIVE);
        }
        finally
        {
            if (added)
            {
                source.DangerousRelease();
            }
        }
        if (treeFd < 0)
        {
            throw LinuxError.Last("open_tree", target);
        }
        using var tree = new SafeFd(treeFd);
        var attr = new Libc.MountAttr
        {
            AttrSet = options.RecursiveReadOnly ? Libc.MOUNT_ATTR_RDONLY : 0,
            Propagation = options.Propagation switch { Propagation.Slave => Libc.MS_SLAVE, Propagation.Shared => Libc.MS_SHARED, _ => Libc.MS_PRIVATE },
        };
        // AT_RECURSIVE: the whole cloned tree, submounts included (mount_setattr(2)); the detached
        // clone is ours alone until move_mount attaches it.
        if (Libc.SyscallMountSetattr(Libc.SYS_mount_setattr, tree.Fd, &empty,
                Libc.AT_EMPTY_PATH | Libc.AT_RECURSIVE, &attr, (nuint)sizeof(Libc.MountAttr)) != 0)
        {
            throw LinuxError.Last(options.RecursiveReadOnly ? "mount_setattr(MOUNT_ATTR_RDONLY, AT_RECURSIVE)" : "mount_setattr", target);
        }
        if (FileStatus.Of(tree, target).Kind == PathKind.Directory)
        {
            Directory.CreateDirectory(target);
        }
        else if (!File.Exists(target))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, []);
        }
        if (Libc.SyscallMoveMountFd(Libc.SYS_move_mount, tree.Fd, &empty, Libc.AT_FDCWD, target, Libc.MOVE_MOUNT_F_EMPTY_PATH) != 0)
        {
            throw LinuxError.Last("move_mount", target);
        }
    }

    private static string[] Parts(string relative) =>
        relative.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();

    private static SafeFd OpenRoot(string root, bool directory)
    {
        var fd = Libc.Open(root, Libc.O_PATH | Libc.O_CLOEXEC | (directory ? Libc.O_DIRECTORY : 0), 0);
        return fd < 0 ? throw LinuxError.Last("open", root) : new SafeFd(fd);
    }

    private static SafeFd Reopen(SafeFd fd, string path) =>
        Openat2(fd, path, ".", Libc.O_PATH) ?? throw new LinuxError("open", path, Errno.ENOENT);

    /// <summary>openat2 beneath <paramref name="dir"/>; null for ENOENT; EAGAIN (a concurrent rename, openat2(2)) is retried.</summary>
    private static unsafe SafeFd? Openat2(SafeFd dir, string dirPath, string relative, int flags)
    {
        var how = new Libc.OpenHow
        {
            Flags = (ulong)(flags | Libc.O_CLOEXEC),
            Resolve = Libc.RESOLVE_BENEATH | Libc.RESOLVE_NO_MAGICLINKS,
        };
        for (var attempt = 0; ; attempt++)
        {
            var fd = Libc.SyscallOpenat2(Libc.SYS_openat2, dir.Fd, relative, &how, (nuint)sizeof(Libc.OpenHow));
            if (fd >= 0)
            {
                return new SafeFd(fd);
            }
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            switch (errno)
            {
                case Errno.ENOENT:
                    return null;
                case Errno.EXDEV:
                case Errno.ELOOP when (flags & Libc.O_NOFOLLOW) == 0:
                    throw new PathEscapeException(dirPath, relative, errno);
                case Errno.EAGAIN or Errno.EINTR when attempt < 100:
                    continue;
                default:
                    throw new LinuxError("openat2", Path.Combine(dirPath, relative), errno);
            }
        }
    }
}
