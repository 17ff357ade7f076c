using Sublet.Kubelet.Plan;
using static Sublet.Kubernetes.Tests.Yaml;

namespace Sublet.Kubernetes.Tests;

/// <summary>resources → plan: quantities read as the kubelet reads them, and the pod's QoS class (pkg/apis/core/v1/helper/qos).</summary>
public sealed class ResourceTranslatorTests
{
    [Theory]
    [InlineData("limits: {cpu: 500m, memory: 32Mi}", null, 500L, null, 33554432L)]
    [InlineData("requests: {cpu: \"1\", memory: 1G}", 1000L, null, 1000000000L, null)]
    [InlineData("requests: {cpu: \"0.1\"}\nlimits: {cpu: \"2.5\"}", 100L, 2500L, null, null)]
    [InlineData("requests: {cpu: \"0.0001\"}", 1L, null, null, null)] // MilliValue rounds up
    [InlineData("limits: {memory: 100M, ephemeral-storage: 1Gi}", null, null, null, 100000000L)]
    public void Quantities_become_millicpu_and_bytes(string resources, long? cpuRequest, long? cpuLimit, long? memoryRequest, long? memoryLimit)
    {
        var r = Translate(Pod(container: "resources:\n" + string.Join("\n", resources.Split('\n').Select(l => "  " + l)))).Containers[0].Resources;
        Assert.Equal(new ContainerResources { CpuRequestMilli = cpuRequest, CpuLimitMilli = cpuLimit, MemoryRequestBytes = memoryRequest, MemoryLimitBytes = memoryLimit }, r);
    }

    [Fact]
    public void No_resources_is_none() => Assert.Equal(ContainerResources.None, Translate(Pod()).Containers[0].Resources);

    [Theory]
    [InlineData("", "BestEffort")]
    [InlineData("resources:\n  limits: {cpu: 500m, memory: 32Mi}", "Guaranteed")]          // requests default to limits
    [InlineData("resources:\n  requests: {cpu: 500m, memory: 32Mi}\n  limits: {cpu: 500m, memory: 32Mi}", "Guaranteed")]
    [InlineData("resources:\n  limits: {memory: 32Mi}", "Burstable")]                       // cpu has no limit
    [InlineData("resources:\n  requests: {cpu: 100m}", "Burstable")]
    [InlineData("resources:\n  requests: {cpu: 100m, memory: 32Mi}\n  limits: {cpu: 200m, memory: 32Mi}", "Burstable")]
    public void The_pods_qos_class_is_the_kubelets(string container, string qos) =>
        Assert.Equal(qos, Translate(Pod(container: container)).QosClass);
}
