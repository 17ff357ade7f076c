using Sublet.Kubelet.Plan;
using Sublet.Runtime.Oci;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// The kubelet's pod-level cgroup (pkg/kubelet/cm/helpers_linux.go ResourceConfigForPod): shares
/// from the pod's cpu requests; for Guaranteed the quota and memory limit from the pod's limits; for
/// Burstable only the limits every container declares; BestEffort gets the minimum shares. Pod
/// totals follow component-helpers resource.PodRequests/PodLimits: the app containers and sidecars
/// together, or an init container with the sidecars started before it, whichever is larger.
/// </summary>
public static class PodResources
{
    public static PodCgroupSettings For(PodPlan pod)
    {
        var all = pod.InitContainers.Concat(pod.Containers).ToList();
        // API server defaulting: a request left out equals the limit.
        var cpuRequest = Total(pod, r => r.CpuRequestMilli ?? r.CpuLimitMilli);
        var cpuLimit = Total(pod, r => r.CpuLimitMilli);
        var memoryLimit = Total(pod, r => r.MemoryLimitBytes);
        var cpuLimitsDeclared = all.All(c => c.Resources.CpuLimitMilli is > 0);
        var memoryLimitsDeclared = all.All(c => c.Resources.MemoryLimitBytes is > 0);
        var shares = ResourceConversion.Shares(cpuRequest);
        var quota = ResourceConversion.Quota(cpuLimit);
        return pod.QosClass switch
        {
            "Guaranteed" => new(shares, quota, CgroupResources.QuotaPeriod, memoryLimit),
            "Burstable" => new(shares,
                cpuLimitsDeclared ? quota : null, cpuLimitsDeclared ? CgroupResources.QuotaPeriod : null,
                memoryLimitsDeclared ? memoryLimit : null),
            _ => new(ResourceConversion.MinShares, null, null, null),
        };
    }

    /// <summary>
    /// resource.PodRequests/PodLimits over one value: app containers plus every sidecar, or the
    /// largest init container plus the sidecars already running when it runs (KEP-753).
    /// </summary>
    public static long Total(PodPlan pod, Func<ContainerResources, long?> value)
    {
        long sidecars = 0, init = 0;
        foreach (var c in pod.InitContainers)
        {
            var v = value(c.Resources) ?? 0;
            if (c.Sidecar)
            {
                sidecars += v;
                init = Math.Max(init, sidecars);
            }
            else
            {
                init = Math.Max(init, v + sidecars);
            }
        }
        return Math.Max(pod.Containers.Sum(c => value(c.Resources) ?? 0) + sidecars, init);
    }
}
