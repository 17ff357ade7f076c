using Sublet.Kubelet.Plan;
using Sublet.Linux;
using Sublet.Linux.Filesystems;
using Sublet.Linux.Mounts;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Sandboxes;
using Sublet.Runtime.State;
using Sublet.Runtime.Volumes;

namespace Sublet.Kubelet.Volumes;

/// <summary>
/// Gives a pod its volumes. For a user-namespaced pod each volume is cloned and idmapped for the
/// pod's user namespace on the host (open_tree + mount_setattr, DESIGN.md §3) into the pod's run
/// directory, and containers bind that: on-disk ID 0 is root inside, and what the pod's root
/// writes lands as ID 0, the same view as without user namespaces. Nothing is chowned into the
/// pod's range. hostPath may instead be cloned without idmap (<see cref="VolumeStaging"/>).
/// subPath and recursive read-only mounts are staged per container (<see cref="SubPaths"/>).
/// </summary>
public sealed class VolumeBuilder
{
    private readonly RuntimeContext _ctx;
    private readonly IVolumeContent? _content;

    public VolumeBuilder(RuntimeContext ctx, IVolumeContent? content = null) => (_ctx, _content) = (ctx, content);

    /// <summary>
    /// Before anything is allocated: every hostPath passes the kubelet's type checks, and with a
    /// user namespace every volume's filesystem can be idmapped on this kernel (probed).
    /// </summary>
    public void Check(PodPlan plan)
    {
        foreach (var volume in plan.Volumes.Where(v => v.HostPath is not null))
        {
            HostPathCheck.Verify(volume, create: false);
        }
        new ProjectedVolumes(_ctx, _content).Check(plan);
        PropagationSources.Check(plan);
        if (plan.HostUsers || plan.Volumes.Count == 0)
        {
            return;
        }
        using var support = IdmapSupport.ForThisHost();
        foreach (var volume in plan.Volumes.Where(v => StagingOf(v, userNamespace: true).Kind == StagingKind.Idmapped))
        {
            var path = volume.HostPath ?? _ctx.Config.StateRoot;
            var error = volume.Projection is not null ? ProjectedVolumes.IdmapError(support, volume, path)
                : volume.InMemory ? MemoryMedium.IdmapError(support, volume)
                : support.VolumeError(volume.Name, volume.Describe(), path);
            if (error is not null)
            {
                throw new PlanException(error);
            }
        }
    }

    /// <summary>Creates emptyDirs, applies hostPath types, and stages clones for a user-namespaced pod (<see cref="VolumeStaging"/>).</summary>
    public void Prepare(PodPlan plan, PodRecord pod)
    {
        var paths = _ctx.Paths(pod.Id);
        foreach (var volume in plan.Volumes)
        {
            var source = volume.HostPath is not null ? HostPathCheck.Verify(volume, create: true)
                : volume.Projection is not null ? new ProjectedVolumes(_ctx, _content).Publish(plan, pod, volume)
                : volume.InMemory ? MemoryMedium.Mount(_ctx, plan, paths, volume) : EmptyDir(paths, volume);
            if (volume.EmptyDir)
            {
                FsGroupOwnership.Apply(source, plan.FsGroup, plan.FsGroupOnRootMismatch, readOnly: false);
            }
            var staging = StagingOf(volume, userNamespace: pod.Ids is not null);
            if (staging.Kind == StagingKind.None)
            {
                continue;
            }
            var staged = StagedPath(paths, volume);
            Directory.CreateDirectory(Path.GetDirectoryName(staged)!);
            if (Directory.Exists(source))
            {
                Directory.CreateDirectory(staged);
            }
            else
            {
                File.WriteAllBytes(staged, []); // a file volume needs a file to be mounted on
            }
            if (staging.Kind == StagingKind.Plain)
            {
                _ctx.Mounter.MountClone(source, staged, StagedPropagation(plan, volume));
                continue;
            }
            using var userns = SafeFd.OpenReadOnly(_ctx.Proc.NamespacePath(pod.PausePid!.Value, "user"));
            _ctx.Mounter.MountIdmapped(source, staged, userns, staging.ReadOnly, StagedPropagation(plan, volume), staging.SetId);
        }
    }

    /// <summary>
    /// The binds of one container's volumeMounts, for the runtime core (which clones each into the
    /// container's own staging for a user-namespaced pod; the idmap is already on the volume's clone):
    /// nodev always, nosuid for projections (the kubelet mounts them read-only whatever the pod says).
    /// </summary>
    public IReadOnlyList<MountSpec> Mounts(PodPlan plan, PodRecord pod, ContainerPlan container)
    {
        var paths = _ctx.Paths(pod.Id);
        var subPaths = new SubPaths(_ctx.VolumeMounts, paths.SubPathDir(container.Name), pod.Ids, container);
        return container.VolumeMounts.Select((m, index) =>
        {
            var volume = plan.Volumes.First(v => v.Name == m.Name);
            var mount = volume.Projection is not null ? m with { ReadOnly = true } : m;
            var disk = SourcePath(paths, volume);
            var root = pod.Ids is not null ? StagedPath(paths, volume) : disk;
            return new MountSpec(m.MountPath, subPaths.Source(volume, mount, index, root, disk), mount.ReadOnly, mount.Propagation, Idmapped: false)
            {
                NoDev = true, NoSuid = volume.Projection is not null,
            };
        }).ToList();
    }

    /// <summary>Where a volume is on the host: the hostPath, the projection's directory, the memory emptyDir's tmpfs, or the disk emptyDir.</summary>
    private static string SourcePath(PodPaths paths, VolumePlan volume) =>
        volume.HostPath ?? (volume.Projection is not null ? ProjectedVolumes.SourcePath(paths, volume)
            : volume.InMemory ? MemoryMedium.PathOf(paths, volume) : EmptyDirPath(paths, volume));

    private Staging StagingOf(VolumePlan volume, bool userNamespace) =>
        VolumeStaging.For(volume, userNamespace, _ctx.Config.UserNamespaces.HostPathIdmap);

    /// <summary>An idmapped clone passes host mount events on only if staged so (HostToContainer: slave; Bidirectional: shared).</summary>
    private static Linux.Mounts.Propagation StagedPropagation(PodPlan plan, VolumePlan volume) =>
        plan.InitContainers.Concat(plan.Containers).SelectMany(c => c.VolumeMounts).Where(m => m.Name == volume.Name)
            .Select(m => MountOptions.Staged(m.Propagation)).DefaultIfEmpty(Linux.Mounts.Propagation.Private).Max();

    private static string StagedPath(PodPaths paths, VolumePlan volume) => Path.Combine(paths.RunDir, "volumes", volume.Name);

    private static string EmptyDirPath(PodPaths paths, VolumePlan volume) => Path.Combine(paths.StateDir, "volumes", volume.Name);

    /// <summary>kubelet emptyDir on disk: a fresh directory, mode 0777 (pkg/volume/emptydir).</summary>
    private static string EmptyDir(PodPaths paths, VolumePlan volume)
    {
        var dir = EmptyDirPath(paths, volume);
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
        return dir;
    }
}
