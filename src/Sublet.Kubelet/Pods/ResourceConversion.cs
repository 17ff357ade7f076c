using Sublet.Kubelet.Plan;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// A container's resources as cgroup settings, the kubelet's way (pkg/kubelet/cm/helpers_linux.go
/// MilliCPUToShares, MilliCPUToQuota; pkg/kubelet/kuberuntime/kuberuntime_container_linux.go
/// calculateLinuxResources): the runtime core takes them final and sets only non-zero values, as containerd does.
/// </summary>
public static class ResourceConversion
{
    public const ulong MinShares = 2;
    public const ulong MaxShares = 262144;
    public const long SharesPerCpu = 1024;
    public const long MilliCpuToCpu = 1000;

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
    public static long Quota(long milliCpu, long period = CgroupResources.QuotaPeriod)
    {
        if (milliCpu == 0)
        {
            return 0;
        }
        var quota = milliCpu * period / MilliCpuToCpu;
        return quota < MinQuotaPeriod ? MinQuotaPeriod : quota;
    }

    /// <summary>
    /// calculateLinuxResources, what the kubelet sends a runtime as CRI LinuxContainerResources:
    /// shares from the request (from the limit when only a limit is set; 2 for none), quota and
    /// period only with a CPU limit, the memory limit as is (0 = unset).
    /// </summary>
    public static LinuxResources Linux(ContainerResources r)
    {
        var request = r.CpuRequestMilli is null or 0 && r.CpuLimitMilli is > 0 ? r.CpuLimitMilli.Value : r.CpuRequestMilli ?? 0;
        var quota = Quota(r.CpuLimitMilli ?? 0);
        return new LinuxResources
        {
            CpuShares = (long)Shares(request),
            CpuQuota = quota,
            CpuPeriod = quota != 0 ? CgroupResources.QuotaPeriod : 0,
            MemoryLimitBytes = r.MemoryLimitBytes is > 0 and var limit ? limit : 0,
        };
    }
}
