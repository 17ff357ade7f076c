using Sublet.IdMapping;
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
/// so a symlink swapped in later can't redirect the mount. For a user-namespaced pod the root is
/// the volume's idmapped clone, and the bind keeps its idmapping. The staged binds live in the
/// container's <see cref="PodPaths.SubPathDir"/>, which each start and PodRemover unmount and remove.
/// </summary>
internal sealed class SubPaths
{
    private static readonly KernelVersion MountSetattrSince = new(5, 12);
    private readonly IVolumeMounts _mounts;
    private readonly string _stagingDir;
    private readonly IdRange? _ids;
    private readonly ContainerPlan _container;
    private readonly bool _kernelCanRecursiveReadOnly;

    /// <param name="stagingDir">Where the container's staged binds go, as <c>INDEX</c> (<see cref="PodPaths.SubPathDir"/>).</param>
    /// <param name="kernelCanRecursiveReadOnly">null: this kernel (mount_setattr(2) since 5.12, containerd's test).</param>
    public SubPaths(IVolumeMounts mounts, string stagingDir, IdRange? ids, ContainerPlan container, bool? kernelCanRecursiveReadOnly = null)
    {
        _mounts = mounts;
        _stagingDir = stagingDir;
        _ids = ids;
        _container = container;
        _kernelCanRecursiveReadOnly = kernelCanRecursiveReadOnly ?? KernelVersion.Current() >= MountSetattrSince;
    }

    /// <summary>
    /// What runc binds for mount number <paramref name="index"/>: <paramref name="root"/> itself,
    /// or a staged bind of its subpath. Missing subpath directories are created in
    /// <paramref name="diskRoot"/> (the volume as on disk: host root can't create through an
    /// idmapped clone, whose mapping has no place for it) with the volume root's mode, as the kubelet does.
    /// </summary>
    /// <exception cref="PlanException">The subpath leads out of the volume, or can't be expanded, or recursive read-only can't be honoured.</exception>
    public string Source(VolumePlan volume, VolumeMountPlan mount, int index, string root, string diskRoot)
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
        var target = Path.Combine(Directories.PodOnly(_stagingDir, _ids), index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            using var opened = Open(root, diskRoot, subPath, create: volume.Projection is null);
            _mounts.AttachClone(opened, target, new CloneOptions(recursiveReadOnly, MountOptions.Staged(mount.Propagation)));
        }
        catch (PathEscapeException)
        {
            // kubelet safeOpenSubPath's wording, with the volume's on-disk path.
            throw new PlanException($"{where}: subpath \"{subPath}\" not within volume path \"{diskRoot}\" ({volume.Describe()}): it leads out of the volume through \"..\" or a symlink");
        }
        catch (LinuxError e)
        {
            throw new PlanException($"{where}: subPath \"{subPath}\": {e.Message}");
        }
        return target;
    }

    private SafeFd Open(string root, string diskRoot, string subPath, bool create)
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
        _mounts.CreateDirectoriesBeneath(diskRoot, subPath);
        return _mounts.OpenBeneath(root, subPath) ?? throw new LinuxError("openat2", Path.Combine(root, subPath), Errno.ENOENT);
    }
}
