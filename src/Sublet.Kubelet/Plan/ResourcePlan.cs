
namespace Sublet.Kubelet.Plan;

/// <summary>
/// A container's <c>resources</c> for cpu and memory, as integers the way the kubelet reads them
/// (resource.Quantity MilliValue for cpu, Value for memory: both round up). Null = not set.
/// Requests are kept as written; the kubelet's defaulting of a missing request to the limit
/// happens in the conversion (<c>Pods.ResourceConversion</c>).
/// </summary>
public sealed record ContainerResources
{
    public long? CpuRequestMilli { get; init; }
    public long? CpuLimitMilli { get; init; }
    public long? MemoryRequestBytes { get; init; }
    public long? MemoryLimitBytes { get; init; }

    public static readonly ContainerResources None = new();
}
