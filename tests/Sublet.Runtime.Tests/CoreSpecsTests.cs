using Sublet.IdMapping;
using Sublet.Images;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Runtime.Tests;

public sealed class CoreSpecsTests
{
    private static readonly ImageConfig Image = new(["PATH=/bin", "A=image"], ["/entry"], ["cmd"], "/work", null, null);
    private static readonly HostLimits Host = new(SpecDefaults.Capabilities, -1000, () => []) { SwapController = true };

    private static SandboxConfig Pod(IdRange? userns = null, NamespaceScope network = NamespaceScope.Pod, NamespaceScope pid = NamespaceScope.Container) =>
        new() { Name = "web", Namespace = "default", Uid = "u", Hostname = "web-host", UserNamespace = userns, Network = network, Pid = pid };

    private static Spec Container(SandboxConfig pod, ContainerConfig c) =>
        CoreSpecs.Container("sb", pod, "ct", c, Image, new ResolvedUser(0, 0, []), "/rootfs", new SandboxNamespaces(42), [], Host);

    [Fact]
    public void A_user_namespaced_pod_maps_container_0_to_the_range_in_the_sandbox_and_every_container()
    {
        var pod = Pod(new IdRange(1000, 100000));
        var sandbox = CoreSpecs.Sandbox("sb", pod, "/pause");
        var container = Container(pod, new ContainerConfig { Name = "c", Image = "i" });

        foreach (var linux in new[] { sandbox.Linux, container.Linux })
        {
            var m = Assert.Single(linux.UidMappings!);
            Assert.Equal((0u, 1000u, 100000u), (m.ContainerId, m.HostId, m.Size));
            Assert.Equal(linux.UidMappings, linux.GidMappings);
        }
        Assert.Contains(sandbox.Linux.Namespaces, n => n.Type == "user" && n.Path is null);
        Assert.Contains(container.Linux.Namespaces, n => n.Type == "user" && n.Path == "/proc/42/ns/user");
        Assert.Equal("/sublet/podsb/sb", sandbox.Linux.CgroupsPath);
        Assert.Equal("/sublet/podsb/ct", container.Linux.CgroupsPath);
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, "nosuid,noexec,nodev")]
    public void A_privileged_sandbox_holds_a_writable_sysfs_so_no_container_locks_it_read_only(bool privileged, string? options)
    {
        var sandbox = CoreSpecs.Sandbox("sb", Pod() with { Privileged = privileged }, "/pause");
        var sysfs = sandbox.Mounts.SingleOrDefault(m => m.Type == "sysfs");
        Assert.Equal(options, sysfs is null ? null : string.Join(",", sysfs.Options!));
    }

    [Fact]
    public void Host_network_and_pid_leave_those_namespaces_out_and_the_hostname_unset()
    {
        var pod = Pod(network: NamespaceScope.Node, pid: NamespaceScope.Node);
        var sandbox = CoreSpecs.Sandbox("sb", pod, "/pause");
        var container = Container(pod, new ContainerConfig { Name = "c", Image = "i" });

        Assert.Null(sandbox.Hostname);
        Assert.Equal(["mount", "ipc"], sandbox.Linux.Namespaces.Select(n => n.Type));
        Assert.Equal(["mount", "ipc"], container.Linux.Namespaces.Select(n => n.Type));
    }

    [Fact]
    public void A_user_namespaced_pod_on_the_nodes_network_gets_the_nodes_sys_read_only()
    {
        var pod = Pod(new IdRange(1000, 65536), network: NamespaceScope.Node);
        var privilegedSandbox = CoreSpecs.Sandbox("sb", pod with { Privileged = true }, "/pause");
        var container = Container(pod, new ContainerConfig { Name = "c", Image = "i" });

        foreach (var spec in new[] { privilegedSandbox, container })
        {
            Assert.DoesNotContain(spec.Mounts, m => m.Type == "sysfs");
            var sys = Assert.Single(spec.Mounts, m => m.Destination == "/sys");
            Assert.Equal(("bind", "/sys"), (sys.Type, sys.Source));
            Assert.Contains("ro", sys.Options!);
            Assert.DoesNotContain(spec.Linux.Namespaces, n => n.Type is "network" or "uts");
            Assert.Contains(spec.Linux.Namespaces, n => n.Type == "user");
        }
        // With a network namespace of its own, a sysfs of its own, as before.
        Assert.Contains(Container(Pod(new IdRange(1000, 65536)), new ContainerConfig { Name = "c", Image = "i" }).Mounts, m => m.Type == "sysfs");
    }

    [Fact]
    public void A_shared_pid_namespace_is_joined_and_the_clients_cgroup_parent_is_used()
    {
        var pod = Pod(pid: NamespaceScope.Pod) with { CgroupParent = "kubepods/besteffort/podu/" };
        var container = Container(pod, new ContainerConfig { Name = "c", Image = "i" });

        Assert.Contains(container.Linux.Namespaces, n => n.Type == "pid" && n.Path == "/proc/42/ns/pid");
        Assert.Equal("/kubepods/besteffort/podu/ct", container.Linux.CgroupsPath);
    }

    [Theory]
    [InlineData(new string[0], new string[0], "/entry cmd")]
    [InlineData(new[] { "run" }, new string[0], "run")]
    [InlineData(new string[0], new[] { "x" }, "/entry x")]
    [InlineData(new[] { "run" }, new[] { "x" }, "run x")]
    public void Command_replaces_the_entrypoint_and_args_replace_cmd(string[] command, string[] args, string expected)
    {
        Assert.Equal(expected, string.Join(' ', CoreSpecs.Arguments(new ContainerConfig { Name = "c", Image = "i", Command = command, Args = args }, Image)));
    }

    [Fact]
    public void No_command_anywhere_is_an_invalid_argument()
    {
        var error = Assert.Throws<RuntimeError>(() => CoreSpecs.Arguments(new ContainerConfig { Name = "c", Image = "i" }, Image with { Entrypoint = null, Cmd = null }));
        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
    }

    [Fact]
    public void Environment_is_the_images_then_hostname_then_the_requests()
    {
        var env = CoreSpecs.Environment(Pod(), new ContainerConfig { Name = "c", Image = "i", Env = [new("A", "request"), new("B", "b")] }, Image, "node-1");

        Assert.Equal(["PATH=/bin", "A=request", "HOSTNAME=web-host", "B=b"], env);
    }

    [Fact]
    public void Resources_are_set_only_where_given_and_swap_equals_the_limit()
    {
        var r = CoreSpecs.Resources(new LinuxResources { CpuShares = 512, CpuQuota = 50000, CpuPeriod = 100000, MemoryLimitBytes = 1 << 26, CpusetCpus = "0" }, privileged: false, swapController: true);

        Assert.Equal((512ul, 50000L, 100000ul, "0"), (r.Cpu!.Shares!.Value, r.Cpu.Quota!.Value, r.Cpu.Period!.Value, r.Cpu.Cpus!));
        Assert.Equal((1L << 26, 1L << 26), (r.Memory!.Limit!.Value, r.Memory.Swap!.Value));
        Assert.Null(CoreSpecs.Resources(new LinuxResources(), false, true).Memory);
    }

    [Fact]
    public void Without_a_swap_controller_only_the_memory_limit_is_set() =>
        Assert.Equal(new MemoryResources { Limit = 1 << 20 },
            CoreSpecs.Resources(new LinuxResources { MemoryLimitBytes = 1 << 20 }, privileged: false, swapController: false).Memory);

    [Fact]
    public void Privileged_drops_masked_paths_and_explicit_masked_paths_replace_the_defaults()
    {
        var privileged = Container(Pod(), new ContainerConfig { Name = "c", Image = "i", Security = new ProcessSecurity { Privileged = true } });
        var masked = Container(Pod(), new ContainerConfig { Name = "c", Image = "i", Security = new ProcessSecurity { MaskedPaths = ["/proc/x"] } });

        Assert.Null(privileged.Linux.MaskedPaths);
        Assert.Equal(["/proc/x"], masked.Linux.MaskedPaths);
    }

    [Fact]
    public void The_root_propagation_rises_with_the_mounts_and_no_hostname_keeps_the_nodes_in_UTS_and_HOSTNAME()
    {
        MountSpec Mount(Sublet.Runtime.Sandboxes.MountPropagation p) => new("/m", "/h", false, p, false);

        Assert.Null(CoreSpecs.RootfsPropagation([Mount(Sublet.Runtime.Sandboxes.MountPropagation.None)]));
        Assert.Equal("rslave", CoreSpecs.RootfsPropagation([Mount(Sublet.Runtime.Sandboxes.MountPropagation.None), Mount(Sublet.Runtime.Sandboxes.MountPropagation.HostToContainer)]));
        Assert.Equal("rshared", CoreSpecs.RootfsPropagation([Mount(Sublet.Runtime.Sandboxes.MountPropagation.HostToContainer), Mount(Sublet.Runtime.Sandboxes.MountPropagation.Bidirectional)]));
        var nameless = Pod() with { Hostname = "" };
        Assert.Null(CoreSpecs.Sandbox("sb", nameless, "/pause").Hostname);
        // containerd: a sandbox without a hostname (a hostNetwork pod) gives its containers the node's.
        Assert.Contains("HOSTNAME=node-1", CoreSpecs.Environment(nameless, new ContainerConfig { Name = "c", Image = "i" }, Image, "node-1"));
    }
}
