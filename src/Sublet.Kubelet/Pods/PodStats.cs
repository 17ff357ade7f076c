using System.Diagnostics;
using Sublet.Linux;
using Sublet.Runtime.Oci;
using Sublet.Runtime.State;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// A container's usage from its cgroup, as the kubelet's summary API reports it (cadvisor):
/// cumulative CPU time, CPU use over the sample as a percent of one CPU (100 = one full core),
/// memory usage and working set (usage minus inactive file pages), and the limit. Null = no cgroup
/// (the container is not running, or its cgroup is gone).
/// </summary>
public sealed record ContainerStats(string Id, string Name, string State, double? CpuSeconds, double? CpuPercent,
    long? MemoryUsageBytes, long? MemoryWorkingSetBytes, long? MemoryLimitBytes);

public sealed record PodStats(string Id, string Name, string Namespace, IReadOnlyList<ContainerStats> Containers);

public static class StatsSampler
{
    /// <summary>Reads every container's cgroup twice, <paramref name="interval"/> apart, for the CPU rate.</summary>
    public static IReadOnlyList<PodStats> Sample(IReadOnlyList<PodView> pods, CgroupFs cgroups, TimeSpan interval, Action<TimeSpan>? sleep = null)
    {
        var ids = pods.SelectMany(p => p.Containers).Where(c => c.State == ContainerState.Running).Select(c => (c.PodId, c.Id)).ToList();
        var watch = Stopwatch.StartNew();
        var before = ids.ToDictionary(c => c.Id, c => cgroups.CpuUsageNanos(CgroupResources.ContainerPath(c.PodId, c.Id)));
        if (ids.Count > 0)
        {
            (sleep ?? Thread.Sleep)(interval);
        }
        var elapsed = watch.Elapsed;
        return [.. pods.Select(p => new PodStats(p.Pod.Id, p.Pod.Name, p.Pod.Namespace, [.. p.Containers.Select(c =>
        {
            if (!before.TryGetValue(c.Id, out var first))
            {
                return new ContainerStats(c.Id, c.Name, c.State.ToString(), null, null, null, null, null);
            }
            var path = CgroupResources.ContainerPath(p.Pod.Id, c.Id);
            var cpu = cgroups.CpuUsageNanos(path);
            var memory = cgroups.Memory(path);
            return new ContainerStats(c.Id, c.Name, c.State.ToString(), cpu / 1e9, CpuPercent(first, cpu, elapsed),
                memory?.Usage, memory?.WorkingSet, memory?.Limit);
        })]))];
    }

    /// <summary>CPU nanoseconds used over wall-clock time, in percent of one CPU; null without two readings.</summary>
    public static double? CpuPercent(long? before, long? after, TimeSpan elapsed) =>
        before is { } b && after is { } a && elapsed > TimeSpan.Zero ? Math.Max(a - b, 0) / (elapsed.TotalMilliseconds * 1e6) * 100 : null;
}
