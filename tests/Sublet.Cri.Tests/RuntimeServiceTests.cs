using System.Text.Json;
using Sublet.Cri.Api;

namespace Sublet.Cri.Tests;

public sealed class RuntimeServiceTests
{
    private readonly FakeCallContext _call = new();

    [Fact]
    public async Task Version_names_sublet_and_the_v1_api()
    {
        var response = await Services.Runtime(UserNamespaceSupport.Yes).Version(new VersionRequest { Version = "v1" }, _call);

        Assert.Equal("0.1.0", response.Version);
        Assert.Equal("sublet", response.RuntimeName);
        Assert.Equal("v1", response.RuntimeApiVersion);
        Assert.Equal(CriSettings.RuntimeVersion, response.RuntimeVersion);
        Assert.NotEmpty(response.RuntimeVersion);
    }

    [Fact]
    public async Task Status_is_runtime_ready_network_as_the_runtime_says_with_the_default_handler()
    {
        var runtimeCore = new FakeSandboxRuntime { Readiness = new(false, "NetworkPluginNotReady", "Network plugin returns error: no network configuration found in /x") };
        var response = await Services.Runtime(UserNamespaceSupport.Yes, runtimeCore).Status(new StatusRequest(), _call);

        var runtime = Assert.Single(response.Status.Conditions, c => c.Type == "RuntimeReady");
        Assert.True(runtime.Status);
        var network = Assert.Single(response.Status.Conditions, c => c.Type == "NetworkReady");
        Assert.Equal((false, "NetworkPluginNotReady", "Network plugin returns error: no network configuration found in /x"), (network.Status, network.Reason, network.Message));
        runtimeCore.Readiness = new(true, "", "");
        Assert.True((await Services.Runtime(UserNamespaceSupport.Yes, runtimeCore).Status(new StatusRequest(), _call)).Status.Conditions.Single(c => c.Type == "NetworkReady").Status);
        var handler = Assert.Single(response.RuntimeHandlers);
        Assert.Equal("", handler.Name);
        Assert.True(handler.Features.UserNamespaces);
        Assert.False(handler.Features.RecursiveReadOnlyMounts);
        Assert.Empty(response.Info); // only when verbose
    }

    [Fact]
    public async Task Status_reports_no_user_namespaces_when_a_probe_fails_and_says_why_when_verbose()
    {
        var service = Services.Runtime(new UserNamespaceSupport(false, ["idmap: state dir: ramfs can't be idmapped"]));

        var response = await service.Status(new StatusRequest { Verbose = true }, _call);

        Assert.False(Assert.Single(response.RuntimeHandlers).Features.UserNamespaces);
        var config = JsonDocument.Parse(response.Info["config"]).RootElement;
        Assert.Equal("/var/lib/sublet", config.GetProperty("stateDir").GetString()); // critest: dirname(stateDir) is probed
        Assert.Equal("cgroupfs", config.GetProperty("cgroupDriver").GetString());
        Assert.False(config.GetProperty("userNamespaces").GetProperty("supported").GetBoolean());
        Assert.Equal("idmap: state dir: ramfs can't be idmapped", config.GetProperty("userNamespaces").GetProperty("problems")[0].GetString());
    }

    [Fact]
    public async Task The_node_is_probed_once_for_all_calls()
    {
        var probe = new FakeProbe(UserNamespaceSupport.Yes);
        var features = new NodeFeatures(probe);
        var service = new Runtime.CriRuntimeService(Services.Settings, features, new FakeSandboxRuntime(), new Events.ContainerEvents(new FakeSandboxRuntime(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Events.ContainerEvents>.Instance), Services.Metrics, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Runtime.CriRuntimeService>.Instance);

        await service.Status(new StatusRequest(), _call);
        await service.Status(new StatusRequest { Verbose = true }, _call);

        Assert.Equal(1, probe.Calls);
    }

    [Fact]
    public async Task RuntimeConfig_says_cgroupfs_explicitly()
    {
        var response = await Services.Runtime(UserNamespaceSupport.Yes).RuntimeConfig(new RuntimeConfigRequest(), _call);

        Assert.NotNull(response.Linux);
        Assert.Equal(CgroupDriver.Cgroupfs, response.Linux.CgroupDriver);
        // On the wire: field 1 of LinuxRuntimeConfiguration = 1 (SYSTEMD, the zero value, would be omitted).
        Assert.Equal([0x0a, 0x02, 0x08, 0x01], Google.Protobuf.MessageExtensions.ToByteArray(response));
    }

    [Fact]
    public async Task UpdateRuntimeConfig_accepts_a_pod_cidr_and_an_empty_request()
    {
        var service = Services.Runtime(UserNamespaceSupport.Yes);

        await service.UpdateRuntimeConfig(new UpdateRuntimeConfigRequest
        {
            RuntimeConfig = new RuntimeConfig { NetworkConfig = new NetworkConfig { PodCidr = "10.88.0.0/16" } },
        }, _call);
        await service.UpdateRuntimeConfig(new UpdateRuntimeConfigRequest(), _call);
    }

    [Fact]
    public async Task Rpcs_not_built_yet_are_unimplemented_not_faked()
    {
        var service = Services.Runtime(UserNamespaceSupport.Yes);

        var checkpoint = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => service.CheckpointContainer(new CheckpointContainerRequest { ContainerId = "c" }, _call));

        Assert.Equal(Grpc.Core.StatusCode.Unimplemented, checkpoint.StatusCode);
        Assert.Contains("checkpoint", checkpoint.Status.Detail);
    }
}
