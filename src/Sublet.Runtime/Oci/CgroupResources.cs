namespace Sublet.Runtime.Oci;

/// <summary>A pod's own cgroup settings (the parent of every container): the values the kubelet's pod container manager writes; null = left unlimited.</summary>
public sealed record PodCgroupSettings(ulong Shares, long? Quota, long? Period, long? MemoryLimit);

/// <summary>
/// Where pods' and containers' cgroups live, and the CFS period (the values themselves come final:
/// <see cref="Sandboxes.LinuxResources"/>, <see cref="PodCgroupSettings"/>).
/// </summary>
public static class CgroupResources
{
    /// <summary>The CFS period the kubelet uses (cpuCFSQuotaPeriod default 100ms), also the kernel's default.</summary>
    public const long QuotaPeriod = 100000;

    /// <summary>Every pod's cgroups hang under one parent per pod in each hierarchy (the kubelet's pod&lt;uid&gt; level).</summary>
    public const string Root = "/sublet";

    /// <summary>The pod's parent cgroup, relative to each hierarchy's root.</summary>
    public static string PodParent(string podId) => $"{Root}/pod{podId}";

    /// <summary>A play container's (or the sandbox's) cgroup: a leaf named by its ID under the pod's parent (the runtime core's CgroupParent without a kubelet's).</summary>
    public static string ContainerPath(string podId, string containerId) => $"{PodParent(podId)}/{containerId}";
}
