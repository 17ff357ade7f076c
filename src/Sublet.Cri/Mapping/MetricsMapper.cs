using Sublet.Cri.Api;
using Sublet.Linux;
using Sublet.Linux.Processes;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Mapping;

/// <summary>
/// Readings → CRI metrics for the kubelet's PodAndContainerStatsFromCRI (it serves them on
/// /metrics/cadvisor in cAdvisor's place). Names, help, types and label keys are cAdvisor's, in
/// containerd's order (internal/cri/server/metric_descriptors.go: pod, namespace, container, id,
/// image, then interface or failure_type/scope). Values are UInt64Value, so seconds are whole
/// seconds, as containerd sends them. A metric is sent only where its file was read; every name
/// sent is among the descriptors.
/// </summary>
public static class MetricsMapper
{
    private static readonly string[] BaseLabels = ["pod", "namespace", "container", "id", "image"];
    private static readonly string[] NetworkLabels = [.. BaseLabels, "interface"];
    private static readonly string[] FailureLabels = [.. BaseLabels, "failure_type", "scope"];

    private sealed record Gauge(string Name, string Help, MetricType Type, Func<CgroupCounters, long?> Value);

    private sealed record Link(string Name, string Help, Func<LinkCounters, ulong> Value);

    private const MetricType Counter = MetricType.Counter;
    private const MetricType Level = MetricType.Gauge;

    /// <summary>One series per container from its cgroup counters.</summary>
    private static readonly Gauge[] Cgroup =
    [
        new("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", Counter, c => Seconds(c.CpuUsageNanos)),
        new("container_cpu_user_seconds_total", "Cumulative user cpu time consumed in seconds.", Counter, c => Seconds(c.CpuUserNanos)),
        new("container_cpu_system_seconds_total", "Cumulative system cpu time consumed in seconds.", Counter, c => Seconds(c.CpuSystemNanos)),
        new("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.", Counter, c => c.CfsPeriods),
        new("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.", Counter, c => c.CfsThrottledPeriods),
        new("container_cpu_cfs_throttled_seconds_total", "Total time duration the container has been throttled.", Counter, c => Seconds(c.CfsThrottledNanos)),
        new("container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed", Level, c => c.MemoryUsage),
        new("container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes", Level, c => c.MemoryMaxUsage),
        new("container_memory_working_set_bytes", "Current working set in bytes.", Level, c => c.MemoryWorkingSet),
        new("container_memory_rss", "Size of RSS in bytes.", Level, c => c.Rss),
        new("container_memory_cache", "Number of bytes of page cache memory.", Level, c => c.Cache),
        new("container_memory_mapped_file", "Size of memory mapped files in bytes.", Level, c => c.MappedFile),
        new("container_memory_swap", "Container swap usage in bytes.", Level, c => c.Swap),
        new("container_memory_failcnt", "Number of memory usage hits limits", Counter, c => c.Failcnt),
        new("container_oom_events_total", "Count of out of memory events observed for the container", Counter, c => c.OomKills),
        new("container_processes", "Number of processes running inside the container.", Level, c => c.Processes),
        new("container_threads", "Number of threads running inside the container", Level, c => c.Threads),
        // cAdvisor: "infinity if value is zero" (pids.max "max").
        new("container_threads_max", "Maximum number of threads allowed inside the container, infinity if value is zero", Level, c => c.Threads is null ? null : c.ThreadsMax ?? 0),
        // cAdvisor's specMemoryValue: an unlimited cgroup reports 0.
        new("container_spec_memory_limit_bytes", "Memory limit for the container.", Level, c => c.MemoryUsage is null ? null : c.MemoryLimit ?? 0),
        new("container_spec_cpu_shares", "CPU share of the container.", Level, c => c.CpuShares),
        new("container_spec_cpu_period", "CPU period of the container.", Level, c => c.CpuPeriodMicros),
        new("container_spec_cpu_quota", "CPU quota of the container.", Level, c => c.CpuQuotaMicros),
    ];

    /// <summary>One series per pod and interface of its network namespace (lo left out, as cAdvisor does).</summary>
    private static readonly Link[] Network =
    [
        new("container_network_receive_bytes_total", "Cumulative count of bytes received", l => l.RxBytes),
        new("container_network_receive_packets_total", "Cumulative count of packets received", l => l.RxPackets),
        new("container_network_receive_packets_dropped_total", "Cumulative count of packets dropped while receiving", l => l.RxDropped),
        new("container_network_receive_errors_total", "Cumulative count of errors encountered while receiving", l => l.RxErrors),
        new("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted", l => l.TxBytes),
        new("container_network_transmit_packets_total", "Cumulative count of packets transmitted", l => l.TxPackets),
        new("container_network_transmit_packets_dropped_total", "Cumulative count of packets dropped while transmitting", l => l.TxDropped),
        new("container_network_transmit_errors_total", "Cumulative count of errors encountered while transmitting", l => l.TxErrors),
    ];

    private const string Failures = "container_memory_failures_total";
    private const string StartTime = "container_start_time_seconds";
    private const string LastSeen = "container_last_seen";

    public static IEnumerable<MetricDescriptor> Descriptors() =>
    [
        .. Cgroup.Select(g => Descriptor(g.Name, g.Help, BaseLabels)),
        Descriptor(Failures, "Cumulative count of memory allocation failures.", FailureLabels),
        Descriptor(StartTime, "Start time of the container since unix epoch in seconds.", BaseLabels),
        Descriptor(LastSeen, "Last time a container was seen by the exporter", BaseLabels),
        .. Network.Select(n => Descriptor(n.Name, n.Help, NetworkLabels)),
    ];

    public static PodSandboxMetrics Sandbox(SandboxReading reading)
    {
        var c = reading.Entry.Config;
        var time = Timestamps.Nanos(reading.Time);
        var metrics = new PodSandboxMetrics { PodSandboxId = reading.Entry.Id };
        // Pod-level series: container and image empty, id the sandbox's (containerd's podLabels).
        string[] pod = [c.Name, c.Namespace, "", reading.Entry.Id, ""];
        foreach (var link in reading.Links.Where(l => l.Name != "lo"))
        {
            metrics.Metrics.Add(Network.Select(n => Metric(n.Name, Counter, time, [.. pod, link.Name], n.Value(link))));
        }
        foreach (var container in reading.Containers.Where(r => r.Cgroup is not null))
        {
            metrics.ContainerMetrics.Add(Container(container.Entry, container.Cgroup!, [c.Name, c.Namespace], reading.Time, time));
        }
        return metrics;
    }

    private static ContainerMetrics Container(ContainerEntry entry, CgroupCounters counters, string[] pod, DateTimeOffset now, long time)
    {
        string[] labels = [.. pod, entry.Config.Name, entry.Id, entry.Config.Image];
        var metrics = new ContainerMetrics { ContainerId = entry.Id };
        foreach (var g in Cgroup)
        {
            if (g.Value(counters) is { } value and >= 0)
            {
                metrics.Metrics.Add(Metric(g.Name, g.Type, time, labels, (ulong)value));
            }
        }
        foreach (var (type, value) in new[] { ("pgfault", counters.PageFaults), ("pgmajfault", counters.MajorPageFaults) })
        {
            if (value is { } n)
            {
                metrics.Metrics.Add(Metric(Failures, Counter, time, [.. labels, type, "container"], (ulong)n));
            }
        }
        if (entry.Started is { } started)
        {
            metrics.Metrics.Add(Metric(StartTime, Level, time, labels, (ulong)started.ToUnixTimeSeconds()));
        }
        metrics.Metrics.Add(Metric(LastSeen, Level, time, labels, (ulong)now.ToUnixTimeSeconds()));
        return metrics;
    }

    private static long? Seconds(long? nanos) => nanos / 1_000_000_000;

    private static MetricDescriptor Descriptor(string name, string help, string[] labels)
    {
        var d = new MetricDescriptor { Name = name, Help = help };
        d.LabelKeys.Add(labels);
        return d;
    }

    private static Metric Metric(string name, MetricType type, long time, string[] labels, ulong value)
    {
        var m = new Metric { Name = name, MetricType = type, Timestamp = time, Value = new UInt64Value { Value = value } };
        m.LabelValues.Add(labels);
        return m;
    }
}
