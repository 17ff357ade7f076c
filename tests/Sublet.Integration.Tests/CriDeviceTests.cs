using Grpc.Core;
using Sublet.Cri.Api;

namespace Sublet.Integration.Tests;

/// <summary>
/// CRI ContainerConfig.devices through a real <c>sublet serve</c>: the host's /dev/null exposed at
/// /dev/mynull is a working character device 1:3 in a user-namespaced pod (bound from the host, as
/// nobody may mknod there) and in a pod on the node's users (made by runc), and what is no device
/// is refused naming it.
/// </summary>
public sealed class CriDeviceTests
{
    private const string Demo = "localhost/busybox:demo";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_host_device_at_another_path_can_be_written(bool userns)
    {
        using var env = new SubletEnv("maxPods: 1");
        env.LoadDemoImage();
        var hostId = (uint)env.UsePrivatePool(1);
        using var server = CriServer.Start(env);
        var rt = server.Runtime;
        var sandboxId = rt.RunPodSandbox(new RunPodSandboxRequest
        {
            Config = Cri.Sandbox("dev", null, userns ? Cri.PodUserns(hostId, 65536) : Cri.Userns(NamespaceMode.Node)),
        }).PodSandboxId;
        var config = Cri.Container("app", Demo, ["sleep", "300"], null);
        config.Devices.Add(new Device { HostPath = "/dev/null", ContainerPath = "/dev/mynull", Permissions = "rwm" });
        var containerId = rt.CreateContainer(new CreateContainerRequest { PodSandboxId = sandboxId, Config = config }).ContainerId;
        rt.StartContainer(new StartContainerRequest { ContainerId = containerId });

        var result = rt.ExecSync(new ExecSyncRequest
        {
            ContainerId = containerId, Timeout = 30,
            Cmd = { "sh", "-c", "echo written > /dev/mynull && stat -c '%F %t:%T' /dev/mynull && head -c 4 /dev/mynull | wc -c && cat /proc/self/uid_map" },
        });

        Assert.True(result.ExitCode == 0, result.Stderr.ToStringUtf8());
        var lines = result.Stdout.ToStringUtf8().Split('\n');
        Assert.Equal(["character special file 1:3", "0"], lines[..2].Select(l => l.Trim()));
        Assert.Matches(userns ? $@"^\s*0\s+{hostId}\s+65536" : @"^\s*0\s+0\s+4294967295", lines[2]);
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
        env.AssertNoLeftovers();
    }

    [Theory]
    [InlineData("/etc/hostname", "/etc/hostname is a regular file, not a device node")]
    [InlineData("/dev/sublet-no-such-device", "/dev/sublet-no-such-device does not exist")]
    public void What_is_no_device_is_refused_naming_it(string hostPath, string words)
    {
        using var env = new SubletEnv("maxPods: 1");
        env.LoadDemoImage();
        var hostId = (uint)env.UsePrivatePool(1);
        using var server = CriServer.Start(env);
        var rt = server.Runtime;
        var sandboxId = rt.RunPodSandbox(new RunPodSandboxRequest { Config = Cri.Sandbox("dev", null, Cri.PodUserns(hostId, 65536)) }).PodSandboxId;
        var config = Cri.Container("app", Demo, ["sleep", "300"], null);
        config.Devices.Add(new Device { HostPath = hostPath, ContainerPath = "/dev/x", Permissions = "rw" });

        var error = Assert.Throws<RpcException>(() => rt.CreateContainer(new CreateContainerRequest { PodSandboxId = sandboxId, Config = config }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(words, error.Status.Detail);
        Assert.Empty(rt.ListContainers(new ListContainersRequest()).Containers);
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
        env.AssertNoLeftovers();
    }
}
