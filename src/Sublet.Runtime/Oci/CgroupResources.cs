using Sublet.Runtime.Plan;

namespace Sublet.Runtime.Oci;

/// <summary>A pod's own cgroup settings (the parent of every container): the values the kubelet's pod container manager writes; null = left unlimited.</summary>
public sealed record PodCgroupSettings(ulong Shares, long? Quota, long? Period, long? MemoryLimit);

/// <summary>
/// A container's resources as cgroup settings, the kubelet's way (pkg/kubelet/cm/helpers_linux.go
/// MilliCPUToShares, MilliCPUToQuota; pkg/kubelet/kuberuntime/kuberuntime_container_linux.go
/// calculateLinuxResources) and containerd's CRI conversion (only non-zero values are set).
/// </summary>
public static class CgroupResources
{
    public const ulong MinShares = 2;
    public const ulong MaxShares = 262144;
    public const long SharesPerCpu = 1024;
    public const long MilliCpuToCpu = 1000;

    /// <summary>The CFS period the kubelet uses (cpuCFSQuotaPeriod default 100ms).</summary>
    public const long QuotaPeriod = 100000;

    /// <summary>The smallest quota the kernel accepts (1ms).</summary>
    public const long MinQuotaPeriod = 1000;

    /// <summary>MilliCPUToShares: 1024 per CPU, at least 2 (also for no request: BestEffort), at most 262144.</summary>
    public static ulong Shares(long milliCpu)
    {
        if (milliCpu == 0)
        {
            return MinShares;
        }
        var shares = milliCpu * SharesPerCpu / MilliCpuToCpu;
        return shares < (long)MinShares ? MinShares : shares > (long)MaxShares ? MaxShares : (ulong)shares;
    }

    /// <summary>MilliCPUToQuota: the share of the period the limit allows, at least 1ms; 0 (= no quota) without a limit.</summary>
    public static long Quota(long milliCpu, long period = QuotaPeriod)
    {
        if (milliCpu == 0)
        {
            return 0;
        }
        var quota = milliCpu * period / MilliCpuToCpu;
        return quota < MinQuotaPeriod ? MinQuotaPeriod : quota;
    }

    /// <summary>
    /// calculateLinuxResources: shares from the request (from the limit when only a limit is set),
    /// quota from the limit, memory limit as is. No swap (this host; the kubelet's ConfigureNoSwap):
    /// memory+swap equals the limit, where the host can limit it (<paramref name="swapController"/>).
    /// </summary>
    public static Resources For(ContainerResources r, List<DeviceRule>? devices, bool swapController = true)
    {
        var request = r.CpuRequestMilli is null or 0 && r.CpuLimitMilli is > 0 ? r.CpuLimitMilli.Value : r.CpuRequestMilli ?? 0;
        var quota = Quota(r.CpuLimitMilli ?? 0);
        return new Resources
        {
            Devices = devices,
            Cpu = new CpuResources
            {
                Shares = Shares(request),
                Quota = quota != 0 ? quota : null,
                Period = quota != 0 ? (ulong)QuotaPeriod : null,
            },
            Memory = r.MemoryLimitBytes is > 0 and var limit ? new MemoryResources { Limit = limit, Swap = swapController ? limit : null } : null,
        };
    }

    /// <summary>
    /// The same conversion as CRI LinuxContainerResources, what the kubelet sends a runtime: shares
    /// always (2 for no request), quota and period only with a CPU limit, the memory limit as is.
    /// </summary>
    public static Sandboxes.LinuxResources Linux(ContainerResources r)
    {
        var oci = For(r, devices: null);
        return new Sandboxes.LinuxResources
        {
            CpuShares = (long)(oci.Cpu?.Shares ?? 0),
            CpuQuota = oci.Cpu?.Quota ?? 0,
            CpuPeriod = (long)(oci.Cpu?.Period ?? 0),
            MemoryLimitBytes = oci.Memory?.Limit ?? 0,
        };
    }

    /// <summary>Every pod's cgroups hang under one parent per pod in each hierarchy (the kubelet's pod&lt;uid&gt; level).</summary>
    public const string Root = "/sublet";

    /// <summary>The pod's parent cgroup, relative to each hierarchy's root.</summary>
    public static string PodParent(string podId) => $"{Root}/pod{podId}";

    /// <summary>A play container's (or the sandbox's) cgroup: a leaf named by its ID under the pod's parent (the runtime core's CgroupParent without a kubelet's).</summary>
    public static string ContainerPath(string podId, string containerId) => $"{PodParent(podId)}/{containerId}";
}
