using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Sublet.IdMapping;
using Sublet.Images;
using Sublet.Runtime.Oci;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Benchmarks;

/// <summary>
/// Building a container's OCI config and writing it as JSON. The runtime's own serializer options
/// (Sublet.Runtime.Oci.SpecJson) are internal, so this uses System.Text.Json's defaults over the
/// same [JsonPropertyName]-annotated records.
/// </summary>
[MemoryDiagnoser]
public class SpecBenchmarks
{
    private static readonly PodPlan Pod = new()
    {
        Name = "web",
        Namespace = "default",
        Uid = "7f3c2a9e-1d2b-4c5d-8e9f-0a1b2c3d4e5f",
        HostUsers = false,
        Containers = [],
    };

    private static readonly ContainerPlan Container = new()
    {
        Name = "app",
        Image = "localhost/busybox:demo",
        Command = ["sh", "-c"],
        Args = ["echo hello; sleep 3600"],
        Env = [new EnvVar("MODE", "production"), new EnvVar("LOG_LEVEL", "info"), new EnvVar("PORT", "8080")],
        WorkingDir = "/srv",
    };

    private static readonly ImageConfig Image = new(
        ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"], null, ["sh"], null, null, null);

    private static readonly ResolvedUser Root = new(0, 0, []);
    private static readonly SandboxNamespaces Sandbox = new(4242);
    private static readonly IdRange Range = new(65536 * 5, 65536);
    private Spec _spec = null!;

    [GlobalSetup]
    public void Setup() => _spec = Build();

    [Benchmark]
    public Spec Build() => CoreSpecs.Container("pod", PlaySandbox.For(Pod) with { UserNamespace = Range }, "pod-app", PlayContainer.For(Pod, Container, Image),
        Image, Root, "/run/sublet/pods/p/c/pod-app/rootfs", Sandbox, [], HostLimits.Current);

    [Benchmark]
    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(_spec);

    [Benchmark]
    public byte[] BuildAndSerialize() => JsonSerializer.SerializeToUtf8Bytes(Build());
}
