using Sublet.Kubelet.Plan;
using Sublet.Linux.Mounts;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Kubelet.Volumes;

/// <summary>Reads the host's mount table for <see cref="MountRules.SourceError"/>.</summary>
public static class PropagationSources
{
    /// <summary>
    /// Before anything is allocated: no Bidirectional mount in a user-namespaced pod, and every
    /// propagating mount of a hostPath volume has a source that can propagate. (emptyDirs live in
    /// Sublet's state directory, as the kubelet's in its root directory, which it makes rshared itself.)
    /// </summary>
    public static void Check(PodPlan plan)
    {
        foreach (var container in plan.InitContainers.Concat(plan.Containers))
        {
            for (var i = 0; i < container.VolumeMounts.Count; i++)
            {
                var mount = container.VolumeMounts[i];
                var volume = plan.Volumes.FirstOrDefault(v => v.Name == mount.Name);
                if (mount.Propagation == MountPropagation.None || volume is null)
                {
                    continue;
                }
                var error = MountRules.UserNamespaceError(mount.Propagation, plan.HostUsers)
                    ?? (volume.HostPath is { } path ? MountRules.SourceError(mount.Propagation, path, MountPeers.Of(Linux.Filesystems.Filesystem.NearestExisting(path))) : null);
                if (error is not null)
                {
                    throw new PlanException($"container \"{container.Name}\": volumeMounts[{i}] (volume \"{volume.Name}\" at {mount.MountPath}): mountPropagation {mount.Propagation}: {error}");
                }
            }
        }
    }
}
