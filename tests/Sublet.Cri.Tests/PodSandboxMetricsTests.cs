using Sublet.Cri.Api;
using Sublet.Linux;
using Sublet.Linux.Processes;
using Sublet.Runtime.Sandboxes;
using ContainerConfig = Sublet.Cri.Api.ContainerConfig;

namespace Sublet.Cri.Tests;

/// <summary>ListMetricDescriptors/ListPodSandboxMetrics: cAdvisor's names and label keys, values from the readings, only ready CRI sandboxes.</summary>
public sealed class PodSandboxMetricsTests
{
    private readonly FakeCallContext _call = new();
    private readonly FakeSandboxRuntime _core = new();

    private Runtime.CriRuntimeService Service => Services.Runtime(UserNamespaceSupport.Yes, _core);

    private async Task<(string Sandbox, string Container)> Pod(string name = "web")
    {
        var sandbox = (await Service.RunPodSandbox(new RunPodSandboxRequest
        {
            Config = new PodSandboxConfig { Metadata = new PodSandboxMetadata { Name = name, Namespace = "team", Uid = "u-" + name }, Hostname = name },
        }, _call)).PodSandboxId;
        var container = (await Service.CreateContainer(new CreateContainerRequest
        {
            PodSandboxId = sandbox,
            Config = new ContainerConfig { Metadata = new ContainerMetadata { Name = "app" }, Image = new ImageSpec { Image = "busybox:1.36" } },
        }, _call)).ContainerId;
        return (sandbox, container);
    }

    private static readonly CgroupCounters Busy = new()
    {
        CpuUsageNanos = 3_700_000_000, CpuUserNanos = 2_900_000_000, CpuSystemNanos = 800_000_000,
        MemoryUsage = 10_000_000, MemoryWorkingSet = 8_000_000, Rss = 6_000_000, MemoryLimit = null,
        PageFaults = 40, MajorPageFaults = 2, Processes = 2, Threads = 3, ThreadsMax = null,
    };

    [Fact]
    public async Task Descriptors_carry_cadvisors_names_and_label_keys()
    {
        var descriptors = (await Service.ListMetricDescriptors(new ListMetricDescriptorsRequest(), _call)).Descriptors.ToDictionary(d => d.Name);

        Assert.Equal(["pod", "namespace", "container", "id", "image"], descriptors["container_cpu_usage_seconds_total"].LabelKeys);
        Assert.Equal(["pod", "namespace", "container", "id", "image", "interface"], descriptors["container_network_receive_bytes_total"].LabelKeys);
        Assert.Equal(["pod", "namespace", "container", "id", "image", "failure_type", "scope"], descriptors["container_memory_failures_total"].LabelKeys);
        Assert.Contains("container_memory_working_set_bytes", descriptors.Keys);
        Assert.Contains("container_spec_memory_limit_bytes", descriptors.Keys);
        Assert.All(descriptors.Values, d => Assert.NotEmpty(d.Help));
    }

    [Fact]
    public async Task A_running_container_reports_its_readings_with_its_labels()
    {
        var (sandbox, container) = await Pod();
        await Service.StartContainer(new StartContainerRequest { ContainerId = container }, _call);
        _core.Containers[container] = _core.Containers[container] with { Entry = _core.Containers[container].Entry with { Started = DateTimeOffset.UnixEpoch.AddSeconds(15) } };
        _core.Counters[container] = Busy;

        var pod = Assert.Single((await Service.ListPodSandboxMetrics(new ListPodSandboxMetricsRequest(), _call)).PodMetrics);

        Assert.Equal(sandbox, pod.PodSandboxId);
        var metrics = Assert.Single(pod.ContainerMetrics).Metrics;
        var cpu = metrics.Single(m => m.Name == "container_cpu_usage_seconds_total");
        Assert.Equal(["web", "team", "app", container, "busybox:1.36"], cpu.LabelValues);
        Assert.Equal((MetricType.Counter, 3UL, 20_000_000_000L), (cpu.MetricType, cpu.Value.Value, cpu.Timestamp)); // whole seconds, as containerd
        Assert.Equal((MetricType.Gauge, 8_000_000UL), (metrics.Single(m => m.Name == "container_memory_working_set_bytes").MetricType, metrics.Single(m => m.Name == "container_memory_working_set_bytes").Value.Value));
        Assert.Equal(0UL, metrics.Single(m => m.Name == "container_spec_memory_limit_bytes").Value.Value); // unlimited, as cAdvisor's specMemoryValue
        Assert.Equal(0UL, metrics.Single(m => m.Name == "container_threads_max").Value.Value);                // no pids limit = 0 ("infinity")
        Assert.Equal(15UL, metrics.Single(m => m.Name == "container_start_time_seconds").Value.Value);
        var majfault = metrics.Single(m => m.Name == "container_memory_failures_total" && m.LabelValues[5] == "pgmajfault");
        Assert.Equal(("container", 2UL), (majfault.LabelValues[6], majfault.Value.Value));
        Assert.DoesNotContain(metrics, m => m.Name == "container_memory_swap"); // not read: not sent
        // Every metric sent has a descriptor with as many label keys as it has values.
        var descriptors = (await Service.ListMetricDescriptors(new ListMetricDescriptorsRequest(), _call)).Descriptors.ToDictionary(d => d.Name);
        Assert.All(metrics, m => Assert.Equal(descriptors[m.Name].LabelKeys.Count, m.LabelValues.Count));
    }

    [Fact]
    public async Task Network_counters_are_pod_level_per_interface_without_lo()
    {
        var (sandbox, _) = await Pod();
        _core.Links = [new LinkCounters("lo", 1, 1, 0, 0, 1, 1, 0, 0), new LinkCounters("eth0", 5000, 40, 1, 2, 7000, 50, 3, 4)];

        var pod = Assert.Single((await Service.ListPodSandboxMetrics(new ListPodSandboxMetricsRequest(), _call)).PodMetrics);

        Assert.Empty(pod.ContainerMetrics); // its cgroup was not read: not started
        Assert.Equal(8, pod.Metrics.Count);
        var rx = pod.Metrics.Single(m => m.Name == "container_network_receive_bytes_total");
        Assert.Equal(["web", "team", "", sandbox, "", "eth0"], rx.LabelValues);
        Assert.Equal((MetricType.Counter, 5000UL), (rx.MetricType, rx.Value.Value));
        Assert.Equal(4UL, pod.Metrics.Single(m => m.Name == "container_network_transmit_packets_dropped_total").Value.Value);
    }

    [Fact]
    public async Task Only_ready_cri_sandboxes_are_listed()
    {
        var (stopped, _) = await Pod("old");
        await Service.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = stopped }, _call);
        _core.RunSandbox(new SandboxConfig { Name = "p", Namespace = "default", Uid = "u2", Hostname = "p", Owner = Sublet.Runtime.Sandboxes.Owner.Play });
        var (ready, _) = await Pod();

        var pods = (await Service.ListPodSandboxMetrics(new ListPodSandboxMetricsRequest(), _call)).PodMetrics;

        Assert.Equal(ready, Assert.Single(pods).PodSandboxId);
    }
}
