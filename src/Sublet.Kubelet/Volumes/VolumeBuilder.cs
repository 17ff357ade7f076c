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
/// Gives a pod its volumes, as the kubelet does: each volume's files on the host (emptyDir,
/// hostPath, projections, a memory medium's tmpfs), and for each container's volumeMount a bind
/// for the runtime core, with the idmap flag CRI's uid_mappings/gid_mappings carry. The core idmaps
/// each bind into the pod's user namespace (open_tree + mount_setattr, DESIGN.md §3): on-disk ID 0
/// is root inside, and what the pod's root writes lands as ID 0, the same view as without user
/// namespaces. Nothing is chowned into the pod's range. hostPath may instead be bound without
/// idmap (<see cref="VolumeStaging"/>). subPath and recursive read-only mounts are staged per
/// container (<see cref="SubPaths"/>), as the kubelet stages subPaths before CreateContainer.
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

    /// <summary>Creates emptyDirs and memory media, applies hostPath types and publishes projections.</summary>
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
        }
    }

    /// <summary>
    /// The binds of one container's volumeMounts, for the runtime core: idmapped for a
    /// user-namespaced pod unless <see cref="VolumeStaging"/> says otherwise, nodev always, nosuid
    /// for projections (the kubelet mounts them read-only whatever the pod says).
    /// </summary>
    public IReadOnlyList<MountSpec> Mounts(PodPlan plan, PodRecord pod, ContainerPlan container)
    {
        var paths = _ctx.Paths(pod.Id);
        var subPaths = new SubPaths(_ctx.VolumeMounts, paths.SubPathDir(container.Name), container);
        return container.VolumeMounts.Select((m, index) =>
        {
            var volume = plan.Volumes.First(v => v.Name == m.Name);
            var staging = StagingOf(volume, userNamespace: pod.Ids is not null);
            var mount = volume.Projection is not null ? m with { ReadOnly = true } : m;
            return new MountSpec(m.MountPath, subPaths.Source(volume, mount, index, SourcePath(paths, volume)), mount.ReadOnly, mount.Propagation,
                Idmapped: staging.Kind == StagingKind.Idmapped)
            {
                NoDev = true, NoSuid = volume.Projection is not null || staging.SetId == SetIdBits.Ignored, SetIdHonoured = staging.SetId == SetIdBits.Honoured,
            };
        }).ToList();
    }

    /// <summary>Where a volume is on the host: the hostPath, the projection's directory, the memory emptyDir's tmpfs, or the disk emptyDir.</summary>
    private static string SourcePath(PodPaths paths, VolumePlan volume) =>
        volume.HostPath ?? (volume.Projection is not null ? ProjectedVolumes.SourcePath(paths, volume)
            : volume.InMemory ? MemoryMedium.PathOf(paths, volume) : EmptyDirPath(paths, volume));

    private Staging StagingOf(VolumePlan volume, bool userNamespace) =>
        VolumeStaging.For(volume, userNamespace, _ctx.Config.UserNamespaces.HostPathIdmap);

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
