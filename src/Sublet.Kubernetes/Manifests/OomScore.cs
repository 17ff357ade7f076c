using k8s.Models;

namespace Sublet.Kubernetes.Manifests;

/// <summary>
/// The oom_score_adj the kubelet gives a container from its pod's QoS class
/// (pkg/kubelet/qos/policy.go GetContainerOOMScoreAdjust, pkg/apis/core/v1/helper/qos GetPodQOS).
/// The runtime may still raise it where the host refuses (containerd restrict_oom_score_adj).
/// </summary>
public static class OomScore
{
    public const int Guaranteed = -997;
    public const int BestEffort = 1000;

    public enum QosClass { Guaranteed, Burstable, BestEffort }

    public static int For(V1PodSpec spec, V1Container container, long memoryCapacity)
    {
        switch (Qos(spec))
        {
            case QosClass.Guaranteed:
                return Guaranteed;
            case QosClass.BestEffort:
                return BestEffort;
        }
        var request = (long)(Quantity(container.Resources?.Requests, "memory") ?? Quantity(container.Resources?.Limits, "memory") ?? 0m);
        var score = 1000 - (1000 * request) / Math.Max(memoryCapacity, 1);
        // Burstable stays strictly between Guaranteed and BestEffort.
        return score < 1000 + Guaranteed ? 1000 + Guaranteed : score == BestEffort ? BestEffort - 1 : (int)score;
    }

    /// <summary>
    /// GetPodQOS over CPU and memory of every container: no requests or limits anywhere is
    /// BestEffort; limits for both everywhere with requests equal to them (requests default to limits,
    /// as the API server defaults them) is Guaranteed; anything else is Burstable.
    /// </summary>
    public static QosClass Qos(V1PodSpec spec)
    {
        var any = false;
        var guaranteed = true;
        foreach (var c in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
        {
            foreach (var resource in new[] { "cpu", "memory" })
            {
                var limit = Quantity(c.Resources?.Limits, resource);
                var request = Quantity(c.Resources?.Requests, resource) ?? limit;
                any |= limit is > 0 || request is > 0;
                guaranteed &= limit is > 0 && request == limit;
            }
        }
        return !any ? QosClass.BestEffort : guaranteed ? QosClass.Guaranteed : QosClass.Burstable;
    }

    private static decimal? Quantity(IDictionary<string, ResourceQuantity>? list, string name) =>
        list is not null && list.TryGetValue(name, out var q) && q is not null ? q.ToDecimal() : null;

    /// <summary>MemTotal from /proc/meminfo, the kubelet's memory capacity (cadvisor MachineInfo).</summary>
    public static long MemoryCapacity(string meminfo = "/proc/meminfo")
    {
        var line = File.ReadLines(meminfo).FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var kib = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return kib is null ? 0 : long.Parse(kib, System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
