using Sublet.Linux;
using Sublet.Runtime.Oci;

namespace Sublet.Runtime.Pods;

/// <summary>
/// A pod's cgroups (<c>/sublet/podID/…</c> in every hierarchy, see <see cref="CgroupResources"/>).
/// runc creates the parents with the leaf but deletes only the leaf, so the pod's parent goes here.
/// </summary>
public static class PodCgroups
{
    /// <summary>
    /// Removes the pod's parent cgroup, and any leaf runc left behind, in every v1 hierarchy and the
    /// unified one. Run after the pod's containers are deleted; a cgroup still holding a process stays
    /// (named in the result) rather than failing the removal.
    /// </summary>
    public static IReadOnlyList<string> Remove(string podId, CgroupFs? cgroups = null) =>
        (cgroups ?? new CgroupFs()).RemoveTree(CgroupResources.PodParent(podId));

    /// <summary>Whether the container was killed by the OOM killer: exit code 137 (SIGKILL) and the kernel's count of OOM kills in its cgroup.</summary>
    public static bool OomKilled(string containerId, int exitCode, CgroupFs? cgroups = null) =>
        exitCode == 137 && (cgroups ?? new CgroupFs()).OomKilled(CgroupResources.ContainerPath(containerId));
}
