using Sublet.Cri.Api;
using Sublet.Cri.Metrics;

namespace Sublet.Cri.Tests;

/// <summary>The Prometheus text of what serve measures: calls, errors, latency, pods with and without user namespaces, refusals by reason.</summary>
public sealed class MetricsTests
{
    [Fact]
    public void Calls_errors_and_latency_render_as_prometheus_counters_and_a_histogram()
    {
        using var metrics = new CriMetrics();
        using var text = new PrometheusText();

        metrics.Call("RunPodSandbox", "OK", TimeSpan.FromMilliseconds(30));
        metrics.Call("RunPodSandbox", "InvalidArgument", TimeSpan.FromMilliseconds(2));
        var rendered = text.Render();

        Assert.Contains("# TYPE sublet_cri_operations_total counter", rendered);
        Assert.Contains("sublet_cri_operations_total{method=\"RunPodSandbox\"} 2", rendered);
        Assert.Contains("sublet_cri_operation_errors_total{code=\"InvalidArgument\",method=\"RunPodSandbox\"} 1", rendered);
        Assert.Contains("# TYPE sublet_cri_operation_duration_seconds histogram", rendered);
        Assert.Contains("sublet_cri_operation_duration_seconds_bucket{method=\"RunPodSandbox\",le=\"0.005\"} 1", rendered);
        Assert.Contains("sublet_cri_operation_duration_seconds_bucket{method=\"RunPodSandbox\",le=\"0.05\"} 2", rendered);
        Assert.Contains("sublet_cri_operation_duration_seconds_bucket{method=\"RunPodSandbox\",le=\"+Inf\"} 2", rendered);
        Assert.Contains("sublet_cri_operation_duration_seconds_count{method=\"RunPodSandbox\"} 2", rendered);
    }

    [Fact]
    public async Task RunPodSandbox_counts_userns_pods_and_refusals_by_reason()
    {
        using var text = new PrometheusText();
        var service = Services.Runtime(UserNamespaceSupport.Yes);
        var call = new FakeCallContext();
        var userns = new UserNamespace { Mode = NamespaceMode.Pod };
        userns.Uids.Add(new IDMapping { HostId = 1000, Length = 65536 });
        userns.Gids.Add(new IDMapping { HostId = 1000, Length = 65536 });
        var pod = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = "m", Namespace = "n", Uid = "u" },
            Linux = new LinuxPodSandboxConfig { SecurityContext = new LinuxSandboxSecurityContext { NamespaceOptions = new NamespaceOption { UsernsOptions = userns } } },
        };
        var before = Count(text.Render(), "sublet_pods_started_total{user_namespace=\"true\"}");
        var refusedBefore = Count(text.Render(), "sublet_userns_refusals_total{reason=\"unsupported_mode\"}");

        await service.RunPodSandbox(new RunPodSandboxRequest { Config = pod }, call);
        pod.Linux.SecurityContext.NamespaceOptions.UsernsOptions = new UserNamespace { Mode = NamespaceMode.Target };
        await Assert.ThrowsAsync<Sublet.Runtime.RuntimeError>(() => service.RunPodSandbox(new RunPodSandboxRequest { Config = pod }, call));

        Assert.Equal(before + 1, Count(text.Render(), "sublet_pods_started_total{user_namespace=\"true\"}"));
        Assert.Equal(refusedBefore + 1, Count(text.Render(), "sublet_userns_refusals_total{reason=\"unsupported_mode\"}"));
    }

    [Fact]
    public void Label_values_are_escaped()
    {
        Assert.Equal("a\\\\b\\\"c\\nd", PrometheusText.Escape("a\\b\"c\nd"));
    }

    /// <summary>The value of one series line; 0 when the series has no line yet (other tests share the process-wide meter).</summary>
    private static long Count(string text, string series) =>
        text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal)) is { } line
            ? long.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture) : 0;
}
