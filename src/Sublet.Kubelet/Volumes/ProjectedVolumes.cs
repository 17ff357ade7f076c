using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;
using Sublet.Linux.Files;
using Sublet.Linux.Filesystems;
using Sublet.Runtime;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Pods;
using Sublet.Runtime.State;

namespace Sublet.Kubelet.Volumes;

/// <summary>
/// configMap, secret, downwardAPI and projected volumes: the files <see cref="IVolumeContent"/>
/// decides, published with <see cref="AtomicWriter"/> into a directory of the pod's. configMap
/// volumes are on disk under the pod's state directory; the others on a tmpfs of their own under
/// its run directory (nodev, nosuid, mode 0755; not noexec, as the kubelet: a secret may hold a script), so secrets never reach a disk. Both are
/// written by the host's root (on-disk 0:0, root inside through the idmap) and mounted read-only.
/// </summary>
/// <param name="content">Where the files come from (Kubernetes semantics; the CLI gives one); null: a pod with such a volume fails to start.</param>
public sealed class ProjectedVolumes(RuntimeContext ctx, IVolumeContent? content = null)
{
    private const UnixFileMode DirMode = (UnixFileMode)0b111_101_101;

    public static string SourcePath(PodPaths paths, VolumePlan volume) => volume.Projection!.OnTmpfs
        ? paths.Tmpfs(volume.Name)
        : Path.Combine(paths.StateDir, "volumes", volume.Name);

    /// <summary>Before anything is allocated: every object and key the volumes need is there (or optional).</summary>
    public void Check(PodPlan plan)
    {
        foreach (var volume in plan.Volumes.Where(v => v.Projection is not null))
        {
            Content.Files(plan, volume);
        }
    }

    /// <summary>Whether a user namespace can see this volume: tmpfs ones need a kernel that idmaps tmpfs (6.3).</summary>
    public static string? IdmapError(IdmapSupport support, VolumePlan volume, string stateRoot)
    {
        if (volume.Projection!.OnTmpfs)
        {
            var verdict = support.CheckTmpfs();
            return verdict.Supported ? null : verdict.VolumeError(volume.Name, volume.Describe() + " (on tmpfs)", support.Kernel);
        }
        return support.VolumeError(volume.Name, volume.Describe(), stateRoot);
    }

    /// <summary>Makes the volume's directory (and tmpfs) and publishes its files; returns the directory.</summary>
    public string Publish(PodPlan plan, PodRecord pod, VolumePlan volume)
    {
        var paths = ctx.Paths(pod.Id);
        var dir = SourcePath(paths, volume);
        if (volume.Projection!.OnTmpfs)
        {
            Directories.Private(paths.TmpfsDir);
        }
        Directory.CreateDirectory(dir);
        if (volume.Projection.OnTmpfs)
        {
            ctx.Mounter.MountTmpfs(dir, "mode=0755");
        }
        File.SetUnixFileMode(dir, DirMode);
        new AtomicWriter(dir, ctx.Time).Write(Content.Files(plan, volume));
        OwnByFsGroup(plan, dir);
        return dir;
    }

    /// <summary>
    /// Publishes again the volumes of a running pod that <paramref name="uses"/> picks (after
    /// <c>apply</c> changed an object), under the pod's sync lock so it can't race <c>down</c>.
    /// </summary>
    /// <returns>Per volume: null when published (or unchanged), else why not; the old content then stays.</returns>
    public IReadOnlyList<(string Volume, string? Error)> Republish(string podId, Func<VolumePlan, bool> uses)
    {
        using var held = PodLock.ForSync(ctx.Paths(podId));
        if (held is null)
        {
            return []; // removed, or being removed
        }
        if (ctx.Store.FindPod(podId) is not { State: PodState.Running } pod)
        {
            return []; // removed or ended while we waited
        }
        var plan = PodSyncer.PlanOf(pod);
        var results = new List<(string, string?)>();
        foreach (var volume in plan.Volumes.Where(v => v.Projection is not null && uses(v)))
        {
            try
            {
                var dir = SourcePath(ctx.Paths(pod.Id), volume);
                if (!Directory.Exists(Path.Combine(dir, AtomicWriter.DataDir)))
                {
                    continue; // not published yet: the start publishes it
                }
                new AtomicWriter(dir, ctx.Time).Write(Content.Files(plan, volume));
                OwnByFsGroup(plan, dir);
                results.Add((volume.Name, null));
            }
            catch (Exception e) when (e is PlanException or IOException or UnauthorizedAccessException)
            {
                results.Add((volume.Name, e.Message));
            }
        }
        return results;
    }

    /// <summary>
    /// fsGroup after every publish, read-only masks, whatever fsGroupChangePolicy says (the kubelet's
    /// configMap/secret/downwardAPI/projected SetUpAt pass no policy to SetVolumeOwnership).
    /// </summary>
    private static void OwnByFsGroup(PodPlan plan, string dir) =>
        FsGroupOwnership.Apply(dir, plan.FsGroup, onRootMismatch: false, readOnly: true);

    private IVolumeContent Content => content
        ?? throw new RuntimeFailure("configMap, secret, downwardAPI and projected volumes need a source of objects, and this command has none");
}
