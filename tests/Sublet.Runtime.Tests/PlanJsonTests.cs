using System.Text.Json;
using Sublet.Runtime.Network;
using Sublet.Runtime.Plan;
using Sublet.Runtime.State;

namespace Sublet.Runtime.Tests;

/// <summary>The stored plan's JSON is the same with the deferred converters as without them, and reads back whole.</summary>
public sealed class PlanJsonTests
{
    private static PodPlan Rich() => Plans.Pod("web", "h", Plans.Container("app", ["sh"], ["-c", "true"], [new EnvVar("A", "1"), new EnvVar("IP", "", EnvVar.PodIp)]) with
    {
        VolumeMounts = [new VolumeMountPlan("data", "/data", ReadOnly: true) { SubPath = "x", Propagation = MountPropagation.HostToContainer }],
        PostStart = new LifecycleHook(["touch", "/tmp/a"], null),
        PreStop = new LifecycleHook(null, 3),
    }) with
    {
        HostAliases = [new HostAlias("10.0.0.1", ["db", "db.local"])],
        Dns = new DnsPlan { Nameservers = ["10.0.0.10"], Searches = ["svc.local"], Options = [new DnsOption("ndots", "2")] },
        Sysctls = [new Sysctl("net.ipv4.ip_unprivileged_port_start", "0")],
        PortMappings = [new PortMapping("tcp", 80, 8080, "127.0.0.1")],
        Volumes =
        [
            new VolumePlan { Name = "data", EmptyDir = true, SizeLimitBytes = 1 << 20 },
            new VolumePlan
            {
                Name = "cfg",
                Projection = new ProjectionPlan
                {
                    Kind = "projected",
                    Sources =
                    [
                        new ProjectionSource("configMap") { ConfigMap = new ObjectProjection("c", [new KeyToPath("k", "p", 0b100_100_100)], Optional: true) },
                        new ProjectionSource("downwardAPI") { DownwardApi = [new DownwardFile("labels", null) { FieldPath = "metadata.labels" }] },
                    ],
                },
            },
        ],
    };

    [Fact]
    public void Writes_what_the_plain_context_writes()
    {
        var plan = Rich();
        Assert.Equal(JsonSerializer.Serialize(plan, StateJson.Default.PodPlan), JsonSerializer.Serialize(plan, PlanJson.PodPlan));
    }

    [Fact]
    public void Reads_back_every_deferred_part()
    {
        var json = JsonSerializer.Serialize(Rich(), StateJson.Default.PodPlan);
        var read = JsonSerializer.Deserialize(json, PlanJson.PodPlan)!;
        Assert.Equal(json, JsonSerializer.Serialize(read, StateJson.Default.PodPlan));
        Assert.Equal("x", read.Containers[0].VolumeMounts[0].SubPath);
        Assert.Equal(3, read.Containers[0].PreStop!.SleepSeconds);
        Assert.Equal("metadata.labels", read.Volumes[1].Projection!.Sources[1].DownwardApi![0].FieldPath);
    }
}
