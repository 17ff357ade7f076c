using Sublet.Kubelet.Plan;
using Sublet.Linux;
using Sublet.Linux.Filesystems;
using Sublet.Linux.Mounts;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Volumes;

namespace Sublet.Kubelet.Volumes;

/// <summary>
/// Stages the volumeMounts of one container that can't be a plain bind of the volume root: a
/// subPath (or subPathExpr), and recursive read-only. As the kubelet's safe subpath
/// (pkg/volume/util/subpath doBindSubPath) and runc's securejoin do, the subpath is opened by the
/// kernel beneath the volume root (openat2 RESOLVE_BENEATH) and what gets bound is that open file,
/// so a symlink swapped in later can't redirect the mount. The staged bind is the volume as on the
/// host; for a user-namespaced pod the runtime core idmaps it as it does every other bind. The
/// staged binds live in the container's <see cref="PodPaths.SubPathDir"/>, which only host root can
/// enter and which each start and the sandbox's removal unmount and remove.
/// </summary>
internal sealed class SubPaths
{
    private static readonly KernelVersion MountSetattrSince = new(5, 12);
    private readonly IVolumeMounts _mounts;
    private readonly string _stagingDir;
    private readonly ContainerPlan _container;
    private readonly bool _kernelCanRecursiveReadOnly;

    /// <param name="stagingDir">Where the container's staged binds go, as <c>INDEX</c> (<see cref="PodPaths.SubPathDir"/>).</param>
    /// <param name="kernelCanRecursiveReadOnly">null: this kernel (mount_setattr(2) since 5.12, containerd's test).</param>
    public SubPaths(IVolumeMounts mounts, string stagingDir, ContainerPlan container, bool? kernelCanRecursiveReadOnly = null)
    {
        _mounts = mounts;
        _stagingDir = stagingDir;
        _container = container;
        _kernelCanRecursiveReadOnly = kernelCanRecursiveReadOnly ?? KernelVersion.Current() >= MountSetattrSince;
    }

    /// <summary>
    /// What the container binds for mount number <paramref name="index"/>: <paramref name="root"/>
    /// (the volume as on the host) itself, or a staged bind of its subpath. Missing subpath
    /// directories are created with the volume root's mode, as the kubelet does.
    /// </summary>
    /// <exception cref="PlanException">The subpath leads out of the volume, or can't be expanded, or recursive read-only can't be honoured.</exception>
    public string Source(VolumePlan volume, VolumeMountPlan mount, int index, string root)
    {
        var where = $"container \"{_container.Name}\": volumeMounts[{index}] (volume \"{volume.Name}\" at {mount.MountPath})";
        string subPath;
        bool recursiveReadOnly;
        try
        {
            subPath = SubPathExpansion.For(mount, _container.Env);
            recursiveReadOnly = MountRules.RecursiveReadOnly(mount, _kernelCanRecursiveReadOnly);
        }
        catch (PlanException e)
        {
            throw new PlanException($"{where}: {e.Message}");
        }
        if (subPath.Length == 0 && !recursiveReadOnly)
        {
            return root;
        }
        var target = Path.Combine(Directories.Private(_stagingDir), index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            using var opened = Open(root, subPath, create: volume.Projection is null);
            _mounts.AttachClone(opened, target, new CloneOptions(recursiveReadOnly, MountOptions.Staged(mount.Propagation)));
        }
        catch (PathEscapeException)
        {
            // kubelet safeOpenSubPath's wording, with the volume's on-disk path.
            throw new PlanException($"{where}: subpath \"{subPath}\" not within volume path \"{root}\" ({volume.Describe()}): it leads out of the volume through \"..\" or a symlink");
        }
        catch (LinuxError e)
        {
            throw new PlanException($"{where}: subPath \"{subPath}\": {e.Message}");
        }
        return target;
    }

    private SafeFd Open(string root, string subPath, bool create)
    {
        if (_mounts.OpenBeneath(root, subPath) is { } fd)
        {
            return fd;
        }
        if (!create)
        {
            // A configMap, secret, downwardAPI or projected volume holds only what its publisher
            // wrote: a directory made in it would stand in the way of the next ..data swap.
            throw new LinuxError("openat2", Path.Combine(root, subPath), Errno.ENOENT);
        }
        // Missing: created as directories (kubelet makeMounts: SafeMakeDir with the volume's mode).
        _mounts.CreateDirectoriesBeneath(root, subPath);
        return _mounts.OpenBeneath(root, subPath) ?? throw new LinuxError("openat2", Path.Combine(root, subPath), Errno.ENOENT);
    }
}
