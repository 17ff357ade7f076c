using Grpc.Core;
using Sublet.Cri.Api;

namespace Sublet.Integration.Tests;

/// <summary>
/// ListMetricDescriptors/ListPodSandboxMetrics (the kubelet's PodAndContainerStatsFromCRI) and
/// UpdatePodSandboxResources through a real <c>sublet serve</c>: readings of a running user-namespaced
/// pod on a pod network, from its cgroups and its network namespace.
/// </summary>
public sealed class CriMetricsTests
{
    private const string Demo = "localhost/busybox:demo";

    [Fact]
    public void A_running_pod_reports_cadvisor_metrics_from_its_cgroups_and_netns_and_a_resize_is_acknowledged()
    {
        using var env = new SubletEnv("maxPods: 1", podNetwork: true);
        env.LoadDemoImage();
        var hostId = (uint)env.UsePrivatePool(1);
        using var server = CriServer.Start(env);
        var rt = server.Runtime;
        var sandboxId = rt.RunPodSandbox(new RunPodSandboxRequest { Config = Cri.Sandbox("metered", null, Cri.PodUserns(hostId, 65536)) }).PodSandboxId;
        var config = Cri.Container("spin", Demo, ["sh", "-c", "while [ ! -e /tmp/stop ]; do :; done"], null);
        config.Linux = new LinuxContainerConfig { Resources = new LinuxContainerResources { MemoryLimitInBytes = 64 << 20 } };
        var containerId = rt.CreateContainer(new CreateContainerRequest { PodSandboxId = sandboxId, Config = config }).ContainerId;
        rt.StartContainer(new StartContainerRequest { ContainerId = containerId });

        var descriptors = rt.ListMetricDescriptors(new ListMetricDescriptorsRequest()).Descriptors.ToDictionary(d => d.Name);
        // Waits until the loop has used a whole second of CPU (CRI carries whole seconds).
        var pod = Cri.WaitFor(() => rt.ListPodSandboxMetrics(new ListPodSandboxMetricsRequest()).PodMetrics.Single(),
            p => p.ContainerMetrics.Count == 1 && Value(p.ContainerMetrics[0].Metrics, "container_cpu_usage_seconds_total") >= 1);
        var stats = rt.ContainerStats(new ContainerStatsRequest { ContainerId = containerId }).Stats;

        Assert.Equal(sandboxId, pod.PodSandboxId);
        var metrics = pod.ContainerMetrics[0].Metrics;
        Assert.Equal(containerId, pod.ContainerMetrics[0].ContainerId);
        var cpu = metrics.Single(m => m.Name == "container_cpu_usage_seconds_total");
        Assert.Equal(["metered", "default", "spin", containerId, Demo], cpu.LabelValues);
        Assert.Equal(MetricType.Counter, cpu.MetricType);
        Assert.True(cpu.Value.Value <= stats.Cpu.UsageCoreNanoSeconds.Value / 1_000_000_000, $"{cpu.Value.Value} s before {stats.Cpu.UsageCoreNanoSeconds.Value} ns");
        Assert.True(Value(metrics, "container_memory_working_set_bytes") > 0);
        Assert.True(Value(metrics, "container_memory_usage_bytes") >= Value(metrics, "container_memory_working_set_bytes"));
        Assert.Equal(64UL << 20, Value(metrics, "container_spec_memory_limit_bytes"));
        Assert.True(Value(metrics, "container_processes") >= 1);
        Assert.True(Value(metrics, "container_start_time_seconds") > 0);
        Assert.All(metrics, m => Assert.Equal(descriptors[m.Name].LabelKeys.Count, m.LabelValues.Count));
        // The pod's eth0 (lo left out), read from the pause process's network namespace.
        var rx = pod.Metrics.Single(m => m.Name == "container_network_receive_bytes_total");
        Assert.Equal(["metered", "default", "", sandboxId, "", "eth0"], rx.LabelValues);
        Assert.DoesNotContain(pod.Metrics, m => m.LabelValues[^1] == "lo");
        var inside = Exec(rt, containerId, "sh", "-c", "grep eth0: /proc/net/dev").Split(':')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(rx.Value.Value <= ulong.Parse(inside[0], System.Globalization.CultureInfo.InvariantCulture), $"{rx.Value.Value} then {inside[0]}");

        // crictl metricsp shows the same (cri-tools v1.32).
        var crictl = Cri.Ok(server.Crictl("metricsp"));
        Assert.Contains("container_memory_working_set_bytes", crictl);
        Assert.Contains(sandboxId, crictl);

        // An in-place pod resize: the kubelet sized the pod cgroup; the runtime is told (containerd answers OK).
        rt.UpdatePodSandboxResources(new UpdatePodSandboxResourcesRequest
        {
            PodSandboxId = sandboxId, Resources = new LinuxContainerResources { MemoryLimitInBytes = 128 << 20, CpuShares = 512 },
        });
        Assert.Equal(StatusCode.NotFound, Assert.Throws<RpcException>(() => rt.UpdatePodSandboxResources(new UpdatePodSandboxResourcesRequest { PodSandboxId = "feedbeef" })).StatusCode);
        Assert.Equal(PodSandboxState.SandboxReady, rt.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = sandboxId }).Status.State);

        Exec(rt, containerId, "touch", "/tmp/stop");
        Cri.WaitFor(() => rt.ContainerStatus(new ContainerStatusRequest { ContainerId = containerId }).Status.State, s => s == ContainerState.ContainerExited);
        Assert.Empty(rt.ListPodSandboxMetrics(new ListPodSandboxMetricsRequest()).PodMetrics.Single().ContainerMetrics); // exited: no readings
        rt.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = sandboxId });
        Assert.Empty(rt.ListPodSandboxMetrics(new ListPodSandboxMetricsRequest()).PodMetrics); // not ready: not listed
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
        env.AssertNoLeftovers();
    }

    private static ulong Value(IEnumerable<Metric> metrics, string name) => metrics.Single(m => m.Name == name).Value.Value;

    private static string Exec(RuntimeService.RuntimeServiceClient rt, string containerId, params string[] command)
    {
        var result = rt.ExecSync(new ExecSyncRequest { ContainerId = containerId, Cmd = { command }, Timeout = 30 });
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', command)}: {result.ExitCode} {result.Stderr.ToStringUtf8()}");
        return result.Stdout.ToStringUtf8();
    }
}
