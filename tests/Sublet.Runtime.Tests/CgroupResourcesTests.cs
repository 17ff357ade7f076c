using Sublet.Runtime.Oci;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;

namespace Sublet.Runtime.Tests;

/// <summary>The kubelet's conversions (pkg/kubelet/cm/helpers_linux.go, kuberuntime_container_linux.go calculateLinuxResources).</summary>
public sealed class CgroupResourcesTests
{
    [Theory]
    [InlineData(0L, 2UL)]          // no request: MinShares (BestEffort)
    [InlineData(1L, 2UL)]          // 1m → 1 share, raised to 2
    [InlineData(100L, 102UL)]
    [InlineData(500L, 512UL)]
    [InlineData(1000L, 1024UL)]
    [InlineData(2500L, 2560UL)]
    [InlineData(1000000L, 262144UL)] // capped at MaxShares
    public void Shares_are_1024_per_cpu_between_2_and_262144(long milliCpu, ulong shares) =>
        Assert.Equal(shares, ResourceConversion.Shares(milliCpu));

    [Theory]
    [InlineData(0L, 0L)]           // no limit: no quota
    [InlineData(1L, 1000L)]        // below 1ms: MinQuotaPeriod
    [InlineData(10L, 1000L)]
    [InlineData(250L, 25000L)]
    [InlineData(500L, 50000L)]
    [InlineData(1000L, 100000L)]
    [InlineData(3000L, 300000L)]
    public void Quota_is_the_limits_share_of_a_100ms_period(long milliCpu, long quota) =>
        Assert.Equal(quota, ResourceConversion.Quota(milliCpu));

    public static TheoryData<long?, long?, long?, ulong, long?, long?> Cases => new()
    {
        // cpu request, cpu limit, memory limit → shares, quota, memory limit
        { null, null, null, 2UL, null, null },                       // BestEffort
        { 250L, null, null, 256UL, null, null },                     // request only: no quota
        { null, 500L, 33554432L, 512UL, 50000L, 33554432L },         // limit only: request defaults to it
        { 100L, 500L, 67108864L, 102UL, 50000L, 67108864L },         // both
        { 0L, 2000L, null, 2048UL, 200000L, null },                  // zero request counts as unset
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Resources_become_cpu_and_memory_settings(long? cpuRequest, long? cpuLimit, long? memoryLimit, ulong shares, long? quota, long? limit)
    {
        var r = ResourceConversion.Linux(new ContainerResources { CpuRequestMilli = cpuRequest, CpuLimitMilli = cpuLimit, MemoryLimitBytes = memoryLimit });

        Assert.Equal((long)shares, r.CpuShares);
        Assert.Equal(quota ?? 0, r.CpuQuota);
        Assert.Equal(quota is null ? 0 : 100000L, r.CpuPeriod); // the period only with a quota
        Assert.Equal(limit ?? 0, r.MemoryLimitBytes);
    }

    [Theory]
    [InlineData("abc", "/sublet/podabc/abc")]             // the sandbox
    [InlineData("0f1e2d", "/sublet/podabc/0f1e2d")]       // a container, by its ID
    [InlineData("abc-app", "/sublet/podabc/abc-app")]     // one an older sublet named POD-NAME
    public void Cgroups_paths_hang_under_the_pods_parent(string id, string path) =>
        Assert.Equal(path, CgroupResources.ContainerPath("abc", id));

    [Fact]
    public void The_container_spec_carries_the_resources()
    {
        var container = Plans.Container(command: ["sh"]) with { Resources = new ContainerResources { CpuLimitMilli = 500, MemoryLimitBytes = 32 << 20 } };
        var spec = Plans.PlaySpec(Plans.Pod(), "p1", container, "p1-app", Plans.Image(), new ResolvedUser(0, 0, []), "/rootfs", new SandboxNamespaces(1), null);

        Assert.Equal("/sublet/podp1/p1-app", spec.Linux.CgroupsPath);
        Assert.Equal(50000L, spec.Linux.Resources!.Cpu!.Quota);
        Assert.Equal(33554432L, spec.Linux.Resources.Memory!.Limit);
        Assert.NotNull(spec.Linux.Resources.Devices);
    }
}
