using Sublet.Runtime.Oci;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Sandboxes;
using static Sublet.Runtime.Tests.Plans;

namespace Sublet.Runtime.Tests;

/// <summary>The sandbox a play pod asks the runtime core for, as the kubelet's generatePodSandboxConfig makes it.</summary>
public sealed class PlaySandboxTests
{
    [Fact]
    public void A_pod_becomes_a_play_owned_sandbox_with_its_names_hostname_and_pod_cgroup()
    {
        var pod = Pod("web", "box", Container()) with
        {
            Namespace = "prod", Uid = "u-1", Labels = new Dictionary<string, string> { ["app"] = "web" },
            Sysctls = [new("kernel.shm_rmid_forced", "1")],
        };

        var config = PlaySandbox.For(pod);

        Assert.Equal((Owner.Play, "web", "prod", "u-1", "box"), (config.Owner, config.Name, config.Namespace, config.Uid, config.Hostname));
        Assert.Equal("web", config.Labels["app"]);
        Assert.Equal("1", config.Sysctls["kernel.shm_rmid_forced"]);
        Assert.Equal(PodResources.For(pod), config.PodCgroup);
        Assert.Null(config.CgroupParent); // Sublet makes the pod's cgroup, so the core writes PodCgroup there
        Assert.Null(config.UserNamespace); // chosen from the pool when the core records the sandbox
        Assert.Equal((NamespaceScope.Pod, NamespaceScope.Container, NamespaceScope.Pod), (config.Network, config.Pid, config.Ipc));
        Assert.False(config.Privileged);
    }

    [Fact]
    public void Host_network_shared_process_namespace_and_a_privileged_init_container_carry_over()
    {
        var init = Container("init") with { Security = new ContainerSecurity { Privileged = true } };
        var pod = Pod("web", null, Container()) with { HostNetwork = true, ShareProcessNamespace = true, InitContainers = [init] };

        var config = PlaySandbox.For(pod);

        Assert.Equal((NamespaceScope.Node, NamespaceScope.Pod), (config.Network, config.Pid));
        Assert.Equal("", config.Hostname); // the node's UTS namespace keeps its name
        Assert.True(config.Privileged);
    }
}
