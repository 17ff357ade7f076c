using Sublet.Linux;
using Sublet.Runtime.Oci;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;
using Sublet.Tests;

namespace Sublet.Runtime.Tests;

/// <summary>The pod-level cgroup as the kubelet's ResourceConfigForPod sets it (pkg/kubelet/cm/helpers_linux.go).</summary>
public sealed class PodResourcesTests
{
    private static ContainerPlan C(string name, long? cpuReq = null, long? cpuLim = null, long? memLim = null, bool sidecar = false) =>
        Plans.Container(name) with { Sidecar = sidecar, Resources = new ContainerResources { CpuRequestMilli = cpuReq, CpuLimitMilli = cpuLim, MemoryLimitBytes = memLim } };

    private static PodPlan Pod(string qos, IReadOnlyList<ContainerPlan> apps, IReadOnlyList<ContainerPlan>? inits = null) =>
        Plans.Pod() with { QosClass = qos, Containers = apps, InitContainers = inits ?? [] };

    [Fact]
    public void Guaranteed_gets_the_sums_of_requests_and_limits() =>
        Assert.Equal(new PodCgroupSettings(1536, 150000, 100000, 96 << 20),
            PodResources.For(Pod("Guaranteed", [C("a", cpuLim: 500, memLim: 32 << 20), C("b", cpuLim: 1000, memLim: 64 << 20)])));

    [Fact]
    public void Burstable_gets_only_limits_every_container_declares() =>
        Assert.Equal(new PodCgroupSettings(358, null, null, 96 << 20),
            PodResources.For(Pod("Burstable", [C("a", cpuReq: 250, memLim: 32 << 20), C("b", cpuReq: 100, cpuLim: 200, memLim: 64 << 20)])));

    [Fact]
    public void BestEffort_gets_the_minimum_shares() =>
        Assert.Equal(new PodCgroupSettings(2, null, null, null), PodResources.For(Pod("BestEffort", [C("a")])));

    public static TheoryData<long[], (long Value, bool Sidecar)[], long> Totals => new()
    {
        // app values, init values (sidecar?) → pod total
        { [100, 200], [], 300 },
        { [100], [(500, false)], 500 },                        // a large init container
        { [100], [(50, false)], 100 },
        { [100], [(50, true)], 150 },                          // a sidecar runs beside the apps
        { [100], [(50, true), (400, false)], 450 },            // init after a sidecar: both at once
        { [100], [(400, false), (50, true)], 400 },            // sidecar after the init: not at once
    };

    [Theory]
    [MemberData(nameof(Totals))]
    public void Totals_take_the_larger_of_apps_with_sidecars_and_each_init(long[] apps, (long Value, bool Sidecar)[] inits, long total)
    {
        var pod = Pod("Burstable", [.. apps.Select((v, i) => C($"a{i}", cpuReq: v))], [.. inits.Select((x, i) => C($"i{i}", cpuReq: x.Value, sidecar: x.Sidecar))]);
        Assert.Equal(total, PodResources.Total(pod, r => r.CpuRequestMilli));
    }

    [Fact]
    public void Configure_writes_the_pods_parent_in_the_v1_cpu_and_memory_hierarchies()
    {
        using var dir = new TestDir();
        Directory.CreateDirectory(dir["cpu"]);
        Directory.CreateDirectory(dir["memory"]);
        PodCgroups.Configure("abc", new PodCgroupSettings(512, 50000, 100000, 33554432), new CgroupFs(dir.Path));

        Assert.Equal("512", File.ReadAllText(dir["cpu/sublet/podabc/cpu.shares"]));
        Assert.Equal("50000", File.ReadAllText(dir["cpu/sublet/podabc/cpu.cfs_quota_us"]));
        Assert.Equal("100000", File.ReadAllText(dir["cpu/sublet/podabc/cpu.cfs_period_us"]));
        Assert.Equal("33554432", File.ReadAllText(dir["memory/sublet/podabc/memory.limit_in_bytes"]));
    }

    [Fact]
    public void Configure_leaves_unset_values_alone()
    {
        using var dir = new TestDir();
        Directory.CreateDirectory(dir["cpu"]);
        PodCgroups.Configure("abc", new PodCgroupSettings(2, null, null, null), new CgroupFs(dir.Path));

        Assert.Equal(["cpu.shares"], Directory.GetFiles(dir["cpu/sublet/podabc"]).Select(Path.GetFileName));
        Assert.False(Directory.Exists(dir["memory"]));
    }
}
