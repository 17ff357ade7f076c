using System.Globalization;
using Sublet.Linux;
using Sublet.Runtime.Oci;

namespace Sublet.Runtime.Pods;

/// <summary>
/// A pod's cgroups (<c>/sublet/podID/…</c> in every hierarchy, see <see cref="CgroupResources"/>).
/// The parent is made here with the pod-level settings (<see cref="Configure"/>), or by runc along
/// with a leaf; runc deletes only the leaf, so the pod's parent is removed here too.
/// </summary>
public static class PodCgroups
{
    /// <summary>
    /// Removes the pod's parent cgroup, and any leaf runc left behind, in every v1 hierarchy and the
    /// unified one. Run after the pod's containers are deleted: what is still inside then has no
    /// runtime that answers for it (<see cref="CgroupFs.KillTree"/>) and would hold the pod's ID range,
    /// so it is killed first. A cgroup still holding a process stays (named in the result) rather
    /// than failing the removal.
    /// </summary>
    public static IReadOnlyList<string> Remove(string podId, CgroupFs? cgroups = null) => RemoveLeaf(CgroupResources.PodParent(podId), cgroups);

    /// <summary>Kills what is left in <paramref name="cgroupsPath"/> and below, then removes it (a container's leaf under a parent the kubelet owns).</summary>
    public static IReadOnlyList<string> RemoveLeaf(string cgroupsPath, CgroupFs? cgroups = null)
    {
        cgroups ??= new CgroupFs();
        cgroups.KillTree(cgroupsPath, Sublet.Linux.Processes.Leftovers.Wait);
        return cgroups.RemoveTree(cgroupsPath);
    }

    /// <summary>Whether the container was killed by the OOM killer: exit code 137 (SIGKILL) and the kernel's count of OOM kills in its cgroup.</summary>
    public static bool OomKilled(string podId, string containerId, int exitCode, CgroupFs? cgroups = null) =>
        exitCode == 137 && (cgroups ?? new CgroupFs()).OomKilled(CgroupResources.ContainerPath(podId, containerId));

    /// <summary>
    /// Creates the pod's parent cgroup with the kubelet's pod-level settings (the kubelet computes them; play: PodResources)
    /// before any container joins it, as the kubelet's pod container manager does; runc then creates
    /// the containers' leaves inside. cgroup v1 only: on v2 the parent stays unlimited and each
    /// container's own limits apply.
    /// </summary>
    public static void Configure(string podId, PodCgroupSettings settings, CgroupFs? cgroups = null)
    {
        cgroups ??= new CgroupFs();
        var parent = CgroupResources.PodParent(podId);
        cgroups.Write("cpu", parent, "cpu.shares", settings.Shares.ToString(CultureInfo.InvariantCulture));
        if (settings.Quota is { } quota)
        {
            cgroups.Write("cpu", parent, "cpu.cfs_period_us", (settings.Period ?? CgroupResources.QuotaPeriod).ToString(CultureInfo.InvariantCulture));
            cgroups.Write("cpu", parent, "cpu.cfs_quota_us", quota.ToString(CultureInfo.InvariantCulture));
        }
        if (settings.MemoryLimit is { } limit)
        {
            cgroups.Write("memory", parent, "memory.limit_in_bytes", limit.ToString(CultureInfo.InvariantCulture));
        }
    }
}
