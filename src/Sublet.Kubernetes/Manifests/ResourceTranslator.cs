using k8s.Models;
using Sublet.Kubelet.Plan;

namespace Sublet.Kubernetes.Manifests;

/// <summary>
/// <c>resources.requests/limits</c> for cpu and memory as integers, read as the kubelet reads
/// quantities: cpu by MilliValue, memory by Value, both rounding up (apimachinery resource.Quantity).
/// Other resources (ephemeral-storage, hugepages, extended) are not cgroup settings Sublet makes.
/// </summary>
public static class ResourceTranslator
{
    public static ContainerResources Container(V1Container container) => new()
    {
        CpuRequestMilli = Milli(container.Resources?.Requests, "cpu"),
        CpuLimitMilli = Milli(container.Resources?.Limits, "cpu"),
        MemoryRequestBytes = Whole(container.Resources?.Requests, "memory"),
        MemoryLimitBytes = Whole(container.Resources?.Limits, "memory"),
    };

    /// <summary>Quantity.MilliValue: thousandths, rounded up ("0.0001" is 1m).</summary>
    public static long? Milli(IDictionary<string, ResourceQuantity>? list, string name) =>
        Value(list, name) is { } v ? (long)Math.Ceiling(v * 1000m) : null;

    /// <summary>Quantity.Value: rounded up to a whole number.</summary>
    public static long? Whole(IDictionary<string, ResourceQuantity>? list, string name) =>
        Value(list, name) is { } v ? (long)Math.Ceiling(v) : null;

    private static decimal? Value(IDictionary<string, ResourceQuantity>? list, string name) =>
        list is not null && list.TryGetValue(name, out var q) && q is not null ? q.ToDecimal() : null;
}
