using System.Text.Json;
using Sublet.IdMapping;
using Sublet.Runtime.Network;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Sandboxes;
using Sublet.Runtime.State;

namespace Sublet.Runtime.Tests;

/// <summary>
/// The state store writes configs with the generated fast-path writer and reads them with generated
/// metadata, remembering what this process wrote (StoredJson): the two must agree on every field.
/// </summary>
public sealed class StoredJsonTests
{
    private static readonly SandboxConfig Sandbox = new()
    {
        Name = "web", Namespace = "team", Uid = "u-1", Attempt = 2, Hostname = "web", LogDirectory = "/var/log/pods/x",
        Dns = new DnsSettings(["10.0.0.53"], ["svc.local"], ["ndots:2"]), Labels = new Dictionary<string, string> { ["app"] = "web" },
        Annotations = new Dictionary<string, string> { ["note"] = "hi" }, CgroupParent = "/kubepods/pod-1",
        PodCgroup = new PodCgroupSettings(512, 50000, 100000, 64 << 20), UserNamespace = new IdRange(65536 * 2, 65536),
        Network = NamespaceScope.Node, Pid = NamespaceScope.Pod, Ipc = NamespaceScope.Node, Privileged = true,
        Sysctls = new Dictionary<string, string> { ["net.ipv4.ping_group_range"] = "0 1" },
        PortMappings = [new PortMapping("TCP", 8080, 18080, "127.0.0.1")], Owner = Owner.Play,
    };

    private static readonly ContainerConfig Container = new()
    {
        Name = "app", Attempt = 3, Image = "localhost/busybox:demo", Command = ["sh", "-c"], Args = ["echo hi"], WorkingDir = "/work",
        Env = [new("A", "1"), new("B", "")], Mounts = [new MountSpec("/data", "/srv", true, MountPropagation.HostToContainer, true)],
        Devices = [new DeviceSpec("/dev/fuse", "/dev/fuse", "rwm")], LogPath = "app/3.log", Stdin = true, StdinOnce = true, Tty = true,
        Labels = new Dictionary<string, string> { ["l"] = "v" }, Annotations = new Dictionary<string, string> { ["a"] = "b" },
        Security = new ProcessSecurity
        {
            Privileged = true, AddCapabilities = ["NET_ADMIN"], DropCapabilities = ["ALL"], RunAsUser = 1000, RunAsUsername = "app",
            RunAsGroup = 1000, SupplementalGroups = [5, 6], SupplementalGroupsPolicy = SupplementalGroupsPolicy.Strict, ReadOnlyRootfs = true,
            NoNewPrivileges = true, Seccomp = new SeccompProfile(SeccompProfileType.Localhost, "/var/lib/seccomp/p.json"), UnmaskedProc = true,
            MaskedPaths = ["/proc/kcore"], ReadonlyPaths = ["/proc/sys"],
        },
        Resources = new LinuxResources { CpuPeriod = 100000, CpuQuota = 50000, CpuShares = 512, MemoryLimitBytes = 64 << 20, OomScoreAdj = 900, CpusetCpus = "0", CpusetMems = "0" },
        StopSignal = "SIGQUIT",
    };

    [Fact]
    public void The_writers_write_what_the_metadata_serializer_writes()
    {
        Assert.Equal(JsonSerializer.Serialize(Sandbox, StateJson.Default.SandboxConfig), StoredConfigs.Sandbox.Write(Sandbox));
        Assert.Equal(JsonSerializer.Serialize(Container, StateJson.Default.ContainerConfig), StoredConfigs.Container.Write(Container));
    }

    [Fact]
    public void What_is_written_reads_back_whole_in_a_process_that_did_not_write_it()
    {
        var sandbox = StoredConfigs.Sandbox.Write(Sandbox);
        Assert.Equal(sandbox, StoredConfigs.Sandbox.Write(JsonSerializer.Deserialize(sandbox, StateJson.Default.SandboxConfig)!));
        var container = StoredConfigs.Container.Write(Container);
        Assert.Equal(container, StoredConfigs.Container.Write(JsonSerializer.Deserialize(container, StateJson.Default.ContainerConfig)!));
    }

    [Fact]
    public void What_this_process_wrote_is_handed_back_and_other_text_is_read()
    {
        var json = new StoredJson<ContainerConfig>(StateWriterJson.Default.ContainerConfig, () => StateJson.Default.ContainerConfig);
        var written = json.Write(Container);
        Assert.Same(Container, json.Read(written));
        var other = Container with { Name = "other" };
        var read = json.Read(JsonSerializer.Serialize(other, StateJson.Default.ContainerConfig));
        Assert.NotSame(other, read);
        Assert.Equal("other", read!.Name);
    }

    [Fact]
    public void Only_the_latest_writes_are_remembered()
    {
        var json = new StoredJson<ContainerConfig>(StateWriterJson.Default.ContainerConfig, () => StateJson.Default.ContainerConfig);
        var first = Container with { Name = "c0" };
        var text = json.Write(first);
        for (var i = 1; i <= 16; i++)
        {
            json.Write(Container with { Name = "c" + i });
        }
        var read = json.Read(text);
        Assert.NotSame(first, read);
        Assert.Equal(text, json.Write(read!));
    }

    [Fact]
    public void The_text_not_being_the_type_is_an_error()
    {
        var json = new StoredJson<ContainerConfig>(StateWriterJson.Default.ContainerConfig, () => StateJson.Default.ContainerConfig);
        Assert.Throws<JsonException>(() => json.Read("[1]"));
    }
}
