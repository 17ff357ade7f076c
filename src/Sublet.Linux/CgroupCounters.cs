using System.Globalization;
using static Sublet.Linux.CgroupFiles;

namespace Sublet.Linux;

/// <summary>
/// One cgroup's counters as cAdvisor exports them (container_* metrics), read from its control
/// files on cgroup v1 or v2. Times in nanoseconds, sizes in bytes; null where this kernel or
/// hierarchy has no such file. <see cref="MemoryLimit"/> null = unlimited; <see cref="ThreadsMax"/>
/// null = no pids limit.
/// </summary>
public sealed record CgroupCounters
{
    public long? CpuUsageNanos { get; init; }
    public long? CpuUserNanos { get; init; }
    public long? CpuSystemNanos { get; init; }
    public long? CfsPeriods { get; init; }
    public long? CfsThrottledPeriods { get; init; }
    public long? CfsThrottledNanos { get; init; }

    /// <summary>The CPU weight in v1 shares (v2 cpu.weight converted back, as cAdvisor does).</summary>
    public long? CpuShares { get; init; }
    public long? CpuPeriodMicros { get; init; }

    /// <summary>The CFS quota in microseconds per period; null = none ("max", -1).</summary>
    public long? CpuQuotaMicros { get; init; }

    public long? MemoryUsage { get; init; }
    public long? MemoryMaxUsage { get; init; }
    public long? MemoryLimit { get; init; }
    public long? MemoryWorkingSet { get; init; }
    public long? Rss { get; init; }
    public long? Cache { get; init; }
    public long? MappedFile { get; init; }
    public long? Swap { get; init; }
    public long? Failcnt { get; init; }
    public long? OomKills { get; init; }
    public long? PageFaults { get; init; }
    public long? MajorPageFaults { get; init; }

    /// <summary>Processes (cgroup.procs lines) and threads (pids.current: the pids controller counts tasks).</summary>
    public long? Processes { get; init; }
    public long? Threads { get; init; }
    public long? ThreadsMax { get; init; }
}

/// <summary>
/// Reads <see cref="CgroupCounters"/> by a cgroup's path relative to each hierarchy (an OCI
/// cgroupsPath). The root is injectable so tests use fixture directories. v1 reads the cpu,
/// cpuacct, memory and pids hierarchies (cgroup-v1/{cpuacct,memory,pids}.rst); v2 the one
/// hierarchy (cgroup-v2.rst), with the file names cAdvisor and containerd's cgroups package read.
/// </summary>
public sealed class CgroupCounterReader
{
    private readonly string _root;

    public CgroupCounterReader(string root = "/sys/fs/cgroup") => _root = root;

    /// <summary>The counters, or null when the cgroup is gone (no memory usage file to read).</summary>
    public CgroupCounters? Read(string relative) =>
        File.Exists(Path.Combine(_root, "cgroup.controllers")) ? ReadV2(Dir("", relative)) : ReadV1(relative);

    private CgroupCounters? ReadV1(string relative)
    {
        var memory = Dir("memory", relative);
        var usage = Number(CgroupFiles.Read(memory, "memory.usage_in_bytes"));
        if (usage is null)
        {
            return null;
        }
        var stat = Flat(CgroupFiles.Read(memory, "memory.stat"));
        var cpu = Flat(CgroupFiles.Read(Dir("cpu", relative), "cpu.stat"));
        var cpuacct = Dir("cpuacct", relative);
        var pids = Dir("pids", relative);
        var quota = Number(CgroupFiles.Read(Dir("cpu", relative), "cpu.cfs_quota_us"));
        return new CgroupCounters
        {
            CpuUsageNanos = Number(CgroupFiles.Read(cpuacct, "cpuacct.usage")),
            CpuUserNanos = Number(CgroupFiles.Read(cpuacct, "cpuacct.usage_user")),
            CpuSystemNanos = Number(CgroupFiles.Read(cpuacct, "cpuacct.usage_sys")),
            CfsPeriods = cpu.Get("nr_periods"),
            CfsThrottledPeriods = cpu.Get("nr_throttled"),
            CfsThrottledNanos = cpu.Get("throttled_time"),
            CpuShares = Number(CgroupFiles.Read(Dir("cpu", relative), "cpu.shares")),
            CpuPeriodMicros = Number(CgroupFiles.Read(Dir("cpu", relative), "cpu.cfs_period_us")),
            CpuQuotaMicros = quota is > 0 ? quota : null,
            MemoryUsage = usage,
            MemoryMaxUsage = Number(CgroupFiles.Read(memory, "memory.max_usage_in_bytes")),
            // v1 reports "no limit" as the largest page-aligned value (PAGE_COUNTER_MAX pages).
            MemoryLimit = Number(CgroupFiles.Read(memory, "memory.limit_in_bytes")) is { } limit and < 1L << 62 ? limit : null,
            MemoryWorkingSet = Math.Max(usage.Value - (stat.Get("total_inactive_file") ?? 0), 0),
            Rss = stat.Get("total_rss"),
            Cache = stat.Get("total_cache"),
            MappedFile = stat.Get("total_mapped_file"),
            Swap = stat.Get("total_swap"),
            Failcnt = Number(CgroupFiles.Read(memory, "memory.failcnt")),
            OomKills = Flat(CgroupFiles.Read(memory, "memory.oom_control")).Get("oom_kill"),
            PageFaults = stat.Get("total_pgfault"),
            MajorPageFaults = stat.Get("total_pgmajfault"),
            Processes = Lines(CgroupFiles.Read(pids, "cgroup.procs")),
            Threads = Number(CgroupFiles.Read(pids, "pids.current")),
            ThreadsMax = Number(CgroupFiles.Read(pids, "pids.max")),
        };
    }

    private static CgroupCounters? ReadV2(string dir)
    {
        var usage = Number(CgroupFiles.Read(dir, "memory.current"));
        if (usage is null)
        {
            return null;
        }
        var stat = Flat(CgroupFiles.Read(dir, "memory.stat"));
        var cpu = Flat(CgroupFiles.Read(dir, "cpu.stat"));
        // cpu.max is "$MAX $PERIOD", $MAX "max" for no quota (cgroup-v2.rst).
        var max = (CgroupFiles.Read(dir, "cpu.max") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var weight = Number(CgroupFiles.Read(dir, "cpu.weight"));
        return new CgroupCounters
        {
            CpuUsageNanos = cpu.Get("usage_usec") * 1000,
            CpuUserNanos = cpu.Get("user_usec") * 1000,
            CpuSystemNanos = cpu.Get("system_usec") * 1000,
            CfsPeriods = cpu.Get("nr_periods"),
            CfsThrottledPeriods = cpu.Get("nr_throttled"),
            CfsThrottledNanos = cpu.Get("throttled_usec") * 1000,
            // cAdvisor's convertCPUWeightToCPULimit, the inverse of runc's shares → weight.
            CpuShares = weight is { } w ? 2 + ((w - 1) * 262142 / 9999) : null,
            CpuPeriodMicros = max.Length == 2 ? Number(max[1]) : null,
            CpuQuotaMicros = max.Length == 2 ? Number(max[0]) : null,
            MemoryUsage = usage,
            MemoryMaxUsage = Number(CgroupFiles.Read(dir, "memory.peak")),
            MemoryLimit = Number(CgroupFiles.Read(dir, "memory.max")),
            MemoryWorkingSet = Math.Max(usage.Value - (stat.Get("inactive_file") ?? 0), 0),
            Rss = stat.Get("anon"),
            Cache = stat.Get("file"),
            MappedFile = stat.Get("file_mapped"),
            Swap = Number(CgroupFiles.Read(dir, "memory.swap.current")),
            OomKills = Flat(CgroupFiles.Read(dir, "memory.events")).Get("oom_kill"),
            PageFaults = stat.Get("pgfault"),
            MajorPageFaults = stat.Get("pgmajfault"),
            Processes = Lines(CgroupFiles.Read(dir, "cgroup.procs")),
            Threads = Number(CgroupFiles.Read(dir, "pids.current")),
            ThreadsMax = Number(CgroupFiles.Read(dir, "pids.max")),
        };
    }

    private string Dir(string controller, string relative) => Path.Combine(_root, controller, relative.TrimStart('/'));

    private static long? Lines(string? text) => text is null ? null : text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
}

internal static class FlatFields
{
    public static long? Get(this Dictionary<string, long> fields, string key) => fields.TryGetValue(key, out var n) ? n : null;
}
