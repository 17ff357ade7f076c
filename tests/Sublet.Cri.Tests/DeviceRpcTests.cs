using Sublet.Cri.Api;
using Sublet.Runtime;
using ContainerConfig = Sublet.Cri.Api.ContainerConfig;
using DeviceSpec = Sublet.Runtime.Sandboxes.DeviceSpec;

namespace Sublet.Cri.Tests;

/// <summary>CreateContainer hands ContainerConfig.devices to the core as they came; CDI devices are refused before it.</summary>
public sealed class DeviceRpcTests
{
    private readonly FakeCallContext _call = new();
    private readonly FakeSandboxRuntime _core = new();

    private Runtime.CriRuntimeService Service => Services.Runtime(UserNamespaceSupport.Yes, _core);

    private async Task<string> Sandbox() => (await Service.RunPodSandbox(new RunPodSandboxRequest
    {
        Config = new PodSandboxConfig { Metadata = new PodSandboxMetadata { Name = "web", Namespace = "team", Uid = "u1" }, Hostname = "web" },
    }, _call)).PodSandboxId;

    private static ContainerConfig Config() => new() { Metadata = new ContainerMetadata { Name = "app" }, Image = new ImageSpec { Image = "busybox" } };

    [Fact]
    public async Task Devices_reach_the_core_with_their_paths_and_permissions()
    {
        var config = Config();
        config.Devices.Add(new Device { HostPath = "/dev/null", ContainerPath = "/dev/mynull", Permissions = "rwm" });
        config.Devices.Add(new Device { HostPath = "/dev/dri", ContainerPath = "/dev/dri", Permissions = "rw" });

        var id = (await Service.CreateContainer(new CreateContainerRequest { PodSandboxId = await Sandbox(), Config = config }, _call)).ContainerId;

        Assert.Equal([new DeviceSpec("/dev/mynull", "/dev/null", "rwm"), new DeviceSpec("/dev/dri", "/dev/dri", "rw")], _core.Containers[id].Entry.Config.Devices);
    }

    [Fact]
    public async Task Cdi_devices_are_refused_by_name()
    {
        var config = Config();
        config.CDIDevices.Add(new CDIDevice { Name = "vendor.com/gpu=0" });

        var error = await Assert.ThrowsAsync<RuntimeError>(async () => await Service.CreateContainer(new CreateContainerRequest { PodSandboxId = await Sandbox(), Config = config }, _call));

        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("CDI devices (vendor.com/gpu=0) are not supported by Sublet", error.Message);
        Assert.DoesNotContain(_core.Calls, c => c.StartsWith("create", StringComparison.Ordinal));
    }
}
