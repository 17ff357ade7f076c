using Sublet.Linux.Processes;

namespace Sublet.Linux.Tests;

/// <summary>CgroupCounterReader over fixture trees laid out as cgroup v1 (this host) and v2 mount them, and /proc/PID/net/dev parsing.</summary>
public sealed class CgroupCountersTests : IDisposable
{
    private const string Leaf = "/sublet/podp1/p1-app";
    private readonly string _root = Directory.CreateTempSubdirectory("sublet-counters-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    [Fact]
    public void V1_reads_cpuacct_cpu_memory_and_pids_hierarchies()
    {
        Write("memory/sublet/podp1/p1-app/memory.usage_in_bytes", "10485760\n");
        Write("memory/sublet/podp1/p1-app/memory.max_usage_in_bytes", "20971520\n");
        Write("memory/sublet/podp1/p1-app/memory.limit_in_bytes", "9223372036854771712\n");
        Write("memory/sublet/podp1/p1-app/memory.failcnt", "2\n");
        Write("memory/sublet/podp1/p1-app/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
        Write("memory/sublet/podp1/p1-app/memory.stat",
            "rss 1\ncache 2\ntotal_rss 8192\ntotal_cache 4096\ntotal_mapped_file 512\ntotal_swap 0\ntotal_inactive_file 2097152\ntotal_pgfault 77\ntotal_pgmajfault 3\n");
        Write("cpuacct/sublet/podp1/p1-app/cpuacct.usage", "2500000000\n");
        Write("cpuacct/sublet/podp1/p1-app/cpuacct.usage_user", "2000000000\n");
        Write("cpuacct/sublet/podp1/p1-app/cpuacct.usage_sys", "500000000\n");
        Write("cpu/sublet/podp1/p1-app/cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 3000000000\n");
        Write("cpu/sublet/podp1/p1-app/cpu.shares", "512\n");
        Write("cpu/sublet/podp1/p1-app/cpu.cfs_period_us", "100000\n");
        Write("cpu/sublet/podp1/p1-app/cpu.cfs_quota_us", "-1\n");
        Write("pids/sublet/podp1/p1-app/cgroup.procs", "41\n42\n");
        Write("pids/sublet/podp1/p1-app/pids.current", "5\n");
        Write("pids/sublet/podp1/p1-app/pids.max", "max\n");

        var c = new CgroupCounterReader(_root).Read(Leaf)!;

        Assert.Equal((2_500_000_000L, 2_000_000_000L, 500_000_000L), (c.CpuUsageNanos, c.CpuUserNanos, c.CpuSystemNanos));
        Assert.Equal((10L, 4L, 3_000_000_000L), (c.CfsPeriods, c.CfsThrottledPeriods, c.CfsThrottledNanos));
        Assert.Equal((512L, 100_000L, (long?)null), (c.CpuShares, c.CpuPeriodMicros, c.CpuQuotaMicros));
        Assert.Equal((10485760L, 20971520L, (long?)null, 8388608L), (c.MemoryUsage, c.MemoryMaxUsage, c.MemoryLimit, c.MemoryWorkingSet));
        Assert.Equal((8192L, 4096L, 512L, 0L), (c.Rss, c.Cache, c.MappedFile, c.Swap)); // the hierarchical total_*, not the cgroup's own
        Assert.Equal((2L, 1L, 77L, 3L), (c.Failcnt, c.OomKills, c.PageFaults, c.MajorPageFaults));
        Assert.Equal((2L, 5L, (long?)null), (c.Processes, c.Threads, c.ThreadsMax));
    }

    [Fact]
    public void V2_reads_the_one_hierarchy_in_microseconds_and_weights()
    {
        Write("cgroup.controllers", "cpu memory pids\n");
        var dir = "sublet/podp1/p1-app/";
        Write(dir + "memory.current", "4096000\n");
        Write(dir + "memory.peak", "8192000\n");
        Write(dir + "memory.max", "33554432\n");
        Write(dir + "memory.swap.current", "0\n");
        Write(dir + "memory.events", "low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n");
        Write(dir + "memory.stat", "anon 1000\nfile 2000\nfile_mapped 300\ninactive_file 96000\npgfault 9\npgmajfault 1\n");
        Write(dir + "cpu.stat", "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_periods 6\nnr_throttled 2\nthrottled_usec 250000\n");
        Write(dir + "cpu.weight", "39\n");
        Write(dir + "cpu.max", "50000 100000\n");
        Write(dir + "cgroup.procs", "7\n");
        Write(dir + "pids.current", "3\n");
        Write(dir + "pids.max", "1024\n");

        var c = new CgroupCounterReader(_root).Read(Leaf)!;

        Assert.Equal((1_500_000_000L, 1_000_000_000L, 500_000_000L, 250_000_000L), (c.CpuUsageNanos, c.CpuUserNanos, c.CpuSystemNanos, c.CfsThrottledNanos));
        // runc writes weight 39 for 1024 shares; the inverse is lossy (998), as in cAdvisor.
        Assert.Equal((998L, 100_000L, 50_000L), (c.CpuShares, c.CpuPeriodMicros, c.CpuQuotaMicros));
        Assert.Equal((4096000L, 8192000L, 33554432L, 4000000L), (c.MemoryUsage, c.MemoryMaxUsage, c.MemoryLimit, c.MemoryWorkingSet));
        Assert.Equal((1000L, 2000L, 300L, 1L), (c.Rss, c.Cache, c.MappedFile, c.OomKills));
        Assert.Null(c.Failcnt); // v2 has no failcnt
        Assert.Equal((1L, 3L, 1024L), (c.Processes, c.Threads, c.ThreadsMax));
    }

    [Fact]
    public void A_gone_cgroup_reads_as_null()
    {
        Assert.Null(new CgroupCounterReader(_root).Read(Leaf));
    }

    [Fact]
    public void Net_dev_gives_every_interface_with_receive_and_transmit_counters()
    {
        const string text = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:     140       2    0    0    0     0          0         0      140       2    0    0    0     0       0          0
              eth0: 1234567     890    1    2    0     0          0         0    65432     321    3    4    0     0       0          0
            """;

        var links = LinkCounters.Parse(text);

        Assert.Equal(["lo", "eth0"], links.Select(l => l.Name));
        Assert.Equal(new LinkCounters("eth0", 1234567, 890, 1, 2, 65432, 321, 3, 4), links[1]);
    }
}
