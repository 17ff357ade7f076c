namespace Sublet.Linux.Tests;

/// <summary>CgroupFs over fixture trees laid out as cgroup v1 (this host) and v2 mount them.</summary>
public sealed class CgroupFsTests : IDisposable
{
    private const string Leaf = "/sublet/podp1/p1-app";
    private readonly string _root = Directory.CreateTempSubdirectory("sublet-cgroups-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private void V1Leaf(string oomControl, string failcnt = "0\n")
    {
        Write("memory/sublet/podp1/p1-app/memory.oom_control", oomControl);
        Write("memory/sublet/podp1/p1-app/memory.failcnt", failcnt);
        Write("memory/sublet/podp1/p1-app/memory.usage_in_bytes", "10485760\n");
        Write("memory/sublet/podp1/p1-app/memory.limit_in_bytes", "33554432\n");
        Write("memory/sublet/podp1/p1-app/memory.stat", "cache 4096\ninactive_file 1024\ntotal_inactive_file 2097152\n");
        Write("cpuacct/sublet/podp1/p1-app/cpuacct.usage", "1500000000\n");
        Directory.CreateDirectory(Path.Combine(_root, "cpu/sublet/podp1/p1-app"));
    }

    [Theory]
    [InlineData("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n", "0\n", true)]
    [InlineData("oom_kill_disable 0\nunder_oom 0\noom_kill 0\n", "12\n", false)] // limit hit, reclaimed, nobody killed
    [InlineData("oom_kill_disable 0\nunder_oom 0\n", "3\n", true)]               // kernel < 4.13: failcnt is the evidence
    [InlineData("oom_kill_disable 0\nunder_oom 0\n", "0\n", false)]
    public void V1_oom_kills_come_from_oom_control_or_failcnt(string oomControl, string failcnt, bool killed)
    {
        V1Leaf(oomControl, failcnt);
        Assert.Equal(killed, new CgroupFs(_root).OomKilled(Leaf));
    }

    [Theory]
    [InlineData("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n", true)]
    [InlineData("low 0\nhigh 0\nmax 4\noom 0\noom_kill 0\n", false)]
    public void V2_oom_kills_come_from_memory_events(string events, bool killed)
    {
        Write("cgroup.controllers", "cpu memory pids\n");
        Write("sublet/podp1/p1-app/memory.events", events);
        Assert.Equal(killed, new CgroupFs(_root).OomKilled(Leaf));
    }

    [Fact]
    public void A_gone_cgroup_has_no_oom_kill_and_no_figures()
    {
        var cgroups = new CgroupFs(_root);
        Assert.False(cgroups.OomKilled(Leaf));
        Assert.Null(cgroups.Memory(Leaf));
        Assert.Null(cgroups.CpuUsageNanos(Leaf));
    }

    [Fact]
    public void V1_memory_is_usage_minus_inactive_file_with_the_limit()
    {
        V1Leaf("oom_kill 0\n");
        var cgroups = new CgroupFs(_root);
        Assert.Equal(new CgroupMemory(10485760, 10485760 - 2097152, 33554432), cgroups.Memory(Leaf));
        Assert.Equal(1500000000L, cgroups.CpuUsageNanos(Leaf));
    }

    [Fact]
    public void V1_no_limit_is_the_page_counter_maximum()
    {
        V1Leaf("oom_kill 0\n");
        Write("memory/sublet/podp1/p1-app/memory.limit_in_bytes", "9223372036854771712\n");
        Assert.Null(new CgroupFs(_root).Memory(Leaf)!.Limit);
    }

    [Fact]
    public void V2_memory_and_cpu_come_from_current_max_and_cpu_stat()
    {
        Write("cgroup.controllers", "cpu memory\n");
        Write("sublet/podp1/p1-app/memory.current", "8192\n");
        Write("sublet/podp1/p1-app/memory.max", "max\n");
        Write("sublet/podp1/p1-app/memory.stat", "anon 4096\ninactive_file 4096\n");
        Write("sublet/podp1/p1-app/cpu.stat", "usage_usec 2500\nuser_usec 2000\n");
        var cgroups = new CgroupFs(_root);
        Assert.Equal(new CgroupMemory(8192, 4096, null), cgroups.Memory(Leaf));
        Assert.Equal(2500000L, cgroups.CpuUsageNanos(Leaf));
        Assert.Equal([_root], cgroups.Hierarchies());
    }

    [Fact]
    public void Removing_a_pod_tree_takes_every_hierarchy_deepest_first()
    {
        foreach (var h in new[] { "cpu", "cpuacct", "memory", "unified" })
        {
            Directory.CreateDirectory(Path.Combine(_root, h, "sublet/podp1/p1-app"));
            Directory.CreateDirectory(Path.Combine(_root, h, "sublet/podp2"));
        }
        var left = new CgroupFs(_root).RemoveTree("/sublet/podp1");

        Assert.Empty(left);
        foreach (var h in new[] { "cpu", "cpuacct", "memory", "unified" })
        {
            Assert.False(Directory.Exists(Path.Combine(_root, h, "sublet/podp1")));
            Assert.True(Directory.Exists(Path.Combine(_root, h, "sublet/podp2")));
        }
    }

    [Fact]
    public void The_swap_controller_is_v1_memsw_or_v2()
    {
        Directory.CreateDirectory(Path.Combine(_root, "memory"));
        Assert.False(new CgroupFs(_root).SwapController);
        Write("memory/memory.memsw.limit_in_bytes", "9223372036854771712\n");
        Assert.True(new CgroupFs(_root).SwapController);
    }

    [Fact]
    public void Removing_a_missing_tree_is_fine() => Assert.Empty(new CgroupFs(_root).RemoveTree("/sublet/podnone"));
}
