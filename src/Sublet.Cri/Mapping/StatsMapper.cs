using System.Collections.Concurrent;
using Sublet.Cri.Api;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Mapping;

/// <summary>
/// Usage → CRI stats. CPU rate (usage_nano_cores) needs two readings: like containerd, the server
/// keeps the previous reading per cgroup and reports the rate since then (nothing on the first call).
/// </summary>
public sealed class StatsMapper
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset Time, long Nanos)> _last = new(StringComparer.Ordinal);

    public Api.ContainerStats Container(ContainerUsage usage)
    {
        var e = usage.Entry;
        var stats = new Api.ContainerStats
        {
            Attributes = new ContainerAttributes { Id = e.Id, Metadata = new ContainerMetadata { Name = e.Config.Name, Attempt = e.Config.Attempt } },
            Cpu = Cpu(e.Id, usage.Cgroup),
            Memory = Memory(usage.Cgroup),
            WritableLayer = new FilesystemUsage
            {
                Timestamp = Timestamps.Nanos(usage.Cgroup.Time), FsId = new FilesystemIdentifier { Mountpoint = usage.LayerMount },
                UsedBytes = new UInt64Value { Value = usage.LayerBytes ?? 0 }, InodesUsed = new UInt64Value { Value = usage.LayerInodes ?? 0 },
            },
        };
        stats.Attributes.Labels.Add(e.Config.Labels.ToDictionary());
        stats.Attributes.Annotations.Add(e.Config.Annotations.ToDictionary());
        return stats;
    }

    public PodSandboxStats Sandbox(SandboxUsage usage)
    {
        var c = usage.Entry.Config;
        var stats = new PodSandboxStats
        {
            Attributes = new PodSandboxAttributes { Id = usage.Entry.Id, Metadata = new PodSandboxMetadata { Name = c.Name, Namespace = c.Namespace, Uid = c.Uid, Attempt = c.Attempt } },
            Linux = new LinuxPodSandboxStats { Cpu = Cpu("sandbox:" + usage.Entry.Id, usage.Cgroup), Memory = Memory(usage.Cgroup) },
        };
        stats.Attributes.Labels.Add(c.Labels.ToDictionary());
        stats.Attributes.Annotations.Add(c.Annotations.ToDictionary());
        stats.Linux.Containers.Add(usage.Containers.Select(Container));
        return stats;
    }

    /// <summary>Forgets readings of cgroups that no longer exist, so the table does not grow with every container ever seen.</summary>
    public void Keep(IEnumerable<string> liveKeys)
    {
        var live = liveKeys.ToHashSet(StringComparer.Ordinal);
        foreach (var key in _last.Keys.Where(k => !live.Contains(k.StartsWith("sandbox:", StringComparison.Ordinal) ? k[8..] : k)))
        {
            _last.TryRemove(key, out _);
        }
    }

    private CpuUsage Cpu(string key, CgroupUsage usage)
    {
        var cpu = new CpuUsage { Timestamp = Timestamps.Nanos(usage.Time) };
        if (usage.CpuNanos is not { } nanos)
        {
            return cpu;
        }
        cpu.UsageCoreNanoSeconds = new UInt64Value { Value = (ulong)nanos };
        if (_last.TryGetValue(key, out var before) && usage.Time > before.Time && nanos >= before.Nanos)
        {
            var seconds = (usage.Time - before.Time).TotalSeconds;
            cpu.UsageNanoCores = new UInt64Value { Value = (ulong)((nanos - before.Nanos) / seconds) };
        }
        _last[key] = (usage.Time, nanos);
        return cpu;
    }

    private static MemoryUsage Memory(CgroupUsage usage)
    {
        var memory = new MemoryUsage { Timestamp = Timestamps.Nanos(usage.Time) };
        if (usage.Memory is { } m)
        {
            memory.UsageBytes = new UInt64Value { Value = (ulong)m.Usage };
            memory.WorkingSetBytes = new UInt64Value { Value = (ulong)m.WorkingSet };
            if (m.Limit is { } limit)
            {
                // cadvisor: available = limit - working set, when there is a limit.
                memory.AvailableBytes = new UInt64Value { Value = (ulong)Math.Max(0, limit - m.WorkingSet) };
            }
        }
        return memory;
    }
}
