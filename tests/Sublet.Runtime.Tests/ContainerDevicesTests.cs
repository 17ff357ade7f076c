using Sublet.IdMapping;
using Sublet.Images;
using Sublet.Linux.Files;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Runtime.Tests;

/// <summary>The host's device files in memory, recording what is asked: paths → (kind, rdev, mode, owner), symlinks → targets.</summary>
internal sealed class FakeDeviceFiles : IDeviceFiles
{
    public Dictionary<string, FileStatus> Files { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Links { get; } = new(StringComparer.Ordinal);
    public List<string> Calls { get; } = [];

    public FakeDeviceFiles Node(string path, PathKind kind, uint major = 0, uint minor = 0, uint mode = 0x1B6, uint uid = 0, uint gid = 0)
    {
        Files[path] = new FileStatus(kind, mode, uid, gid, 1, 1, (0, 5), (major, minor), DateTimeOffset.UnixEpoch);
        return this;
    }

    public string ResolveLink(string path)
    {
        Calls.Add("resolve " + path);
        return Links.GetValueOrDefault(path, path);
    }

    public FileStatus? Stat(string path)
    {
        Calls.Add("stat " + path);
        return Files.GetValueOrDefault(path);
    }

    public IReadOnlyList<string> Entries(string directory)
    {
        Calls.Add("list " + directory);
        return [.. Files.Keys.Where(p => Path.GetDirectoryName(p) == directory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
    }
}

/// <summary>CRI devices → OCI device nodes and cgroup rules (containerd's WithDevices), and how the spec carries them with and without a user namespace.</summary>
public sealed class ContainerDevicesTests
{
    private static readonly ImageConfig Image = new(["PATH=/bin"], ["/entry"], [], "/", null, null);

    private static readonly FakeDeviceFiles Host = new FakeDeviceFiles()
        .Node("/dev", PathKind.Directory)
        .Node("/dev/null", PathKind.CharDevice, 1, 3, uid: 0, gid: 0)
        .Node("/dev/sda", PathKind.BlockDevice, 8, 0, mode: 0x1B0, gid: 6)
        .Node("/dev/gpu", PathKind.Directory)
        .Node("/dev/gpu/card0", PathKind.CharDevice, 226, 0, mode: 0x1B0, gid: 44)
        .Node("/dev/gpu/by-path", PathKind.Directory)
        .Node("/dev/gpu/by-path/pci-0", PathKind.CharDevice, 226, 128)
        .Node("/dev/gpu/pts", PathKind.Directory)
        .Node("/dev/gpu/pts/0", PathKind.CharDevice, 136, 0)
        .Node("/dev/gpu/console", PathKind.CharDevice, 5, 1)
        .Node("/dev/gpu/README", PathKind.Regular)
        .Node("/dev/gpu/link", PathKind.Symlink);

    static ContainerDevicesTests() => Host.Links["/dev/nullish"] = "/dev/null";

    private static IReadOnlyList<ExposedDevice> Resolve(params DeviceSpec[] devices) => ContainerDevices.Resolve("app", devices, Host);

    [Fact]
    public void A_device_node_is_exposed_at_the_container_path_with_its_numbers_mode_and_owner()
    {
        var d = Assert.Single(Resolve(new DeviceSpec("/dev/disk0", "/dev/sda", "rw")));

        Assert.Equal(new Device { Type = "b", Path = "/dev/disk0", Major = 8, Minor = 0, FileMode = 0x1B0, Uid = 0, Gid = 6 }, d.Node);
        Assert.Equal("/dev/sda", d.HostPath);
        Assert.Equal(new DeviceRule { Allow = true, Type = "b", Major = 8, Minor = 0, Access = "rw" }, d.Rule);
    }

    [Fact]
    public void A_symlinked_host_path_is_resolved_first()
    {
        var d = Assert.Single(Resolve(new DeviceSpec("/dev/mynull", "/dev/nullish", "rwm")));
        Assert.Equal(("/dev/null", "/dev/mynull", "c", 1L, 3L), (d.HostPath, d.Node.Path, d.Node.Type, d.Node.Major, d.Node.Minor));
    }

    [Fact]
    public void A_directory_exposes_every_device_below_it_but_what_containerd_skips()
    {
        var devices = Resolve(new DeviceSpec("/dev/dri", "/dev/gpu", "rw"));

        Assert.Equal(["/dev/dri/by-path/pci-0", "/dev/dri/card0"], devices.Select(d => d.Node.Path));
        Assert.Equal(["/dev/gpu/by-path/pci-0", "/dev/gpu/card0"], devices.Select(d => d.HostPath));
        Assert.DoesNotContain(Host.Calls, c => c == "list /dev/gpu/pts"); // pts, shm, fd, mqueue are not walked; console and non-devices are left out
    }

    [Theory]
    [InlineData("/dev/none", "rw", "container \"app\" device /dev/none at /dev/x: /dev/none does not exist")]
    [InlineData("/dev/gpu/README", "rw", "container \"app\" device /dev/gpu/README at /dev/x: /dev/gpu/README is a regular file, not a device node")]
    [InlineData("/dev/null", "rx", "container \"app\" device /dev/null at /dev/x: permissions \"rx\" must be a combination of r, w and m")]
    [InlineData("/dev/null", "", "permissions \"\" must be a combination of r, w and m")]
    [InlineData("dev/null", "rw", "host_path and container_path must be absolute")]
    public void What_is_not_a_device_is_refused_naming_it(string host, string permissions, string words)
    {
        var error = Assert.Throws<RuntimeError>(() => Resolve(new DeviceSpec("/dev/x", host, permissions)));
        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
        Assert.Contains(words, error.Message);
    }

    private static Spec Container(IdRange? userns, bool privileged, IReadOnlyList<Device> hostDevices, IReadOnlyList<ExposedDevice> devices) =>
        CoreSpecs.Container("sb", new SandboxConfig { Name = "web", Namespace = "default", Uid = "u", Hostname = "web", UserNamespace = userns },
            "ct", new ContainerConfig { Name = "app", Image = "i", Security = new ProcessSecurity { Privileged = privileged } }, Image,
            new ResolvedUser(0, 0, []), "/rootfs", new SandboxNamespaces(42), [], new HostLimits(SpecDefaults.Capabilities, -1000, () => hostDevices), devices);

    [Fact]
    public void On_the_nodes_users_runc_makes_the_node_and_the_cgroup_allows_it()
    {
        var spec = Container(null, false, [], Resolve(new DeviceSpec("/dev/mynull", "/dev/null", "rwm")));

        Assert.Equal("/dev/mynull", Assert.Single(spec.Linux.Devices!).Path);
        Assert.Equal([false, true], spec.Linux.Resources!.Devices!.Select(r => r.Allow)); // deny all, then this one
        Assert.Equal((1L, 3L, "rwm"), (spec.Linux.Resources.Devices![1].Major!.Value, spec.Linux.Resources.Devices[1].Minor!.Value, spec.Linux.Resources.Devices[1].Access));
        Assert.DoesNotContain(spec.Mounts, m => m.Destination == "/dev/mynull");
    }

    [Fact]
    public void In_a_user_namespace_the_node_is_bound_from_its_host_path_after_dev()
    {
        var spec = Container(new IdRange(1000, 65536), false, [], Resolve(new DeviceSpec("/dev/mynull", "/dev/null", "rw")));

        Assert.Null(spec.Linux.Devices); // runc would bind the host's /dev/mynull, which is not there
        var bind = spec.Mounts.Single(m => m.Destination == "/dev/mynull");
        Assert.Equal(("bind", "/dev/null"), (bind.Type, bind.Source));
        Assert.True(spec.Mounts.FindIndex(m => m.Destination == "/dev") < spec.Mounts.IndexOf(bind));
        Assert.Equal("rw", spec.Linux.Resources!.Devices![^1].Access);
    }

    [Fact]
    public void A_privileged_container_gets_the_host_devices_with_the_requested_one_in_place_of_the_same_path()
    {
        Device[] host = [new() { Type = "c", Path = "/dev/null", Major = 1, Minor = 3 }, new() { Type = "c", Path = "/dev/zero", Major = 1, Minor = 5 }];

        var spec = Container(null, true, host, Resolve(new DeviceSpec("/dev/null", "/dev/sda", "r")));

        Assert.Equal([("/dev/zero", "c"), ("/dev/null", "b")], spec.Linux.Devices!.Select(d => (d.Path, d.Type)));
        Assert.True(spec.Linux.Resources!.Devices![0].Allow);
    }
}
