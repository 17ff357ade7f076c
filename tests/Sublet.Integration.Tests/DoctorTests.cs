using System.Diagnostics;
using System.Text.Json;
using Sublet.Cli.Commands;
using Sublet.Kubernetes.Manifests;
using Sublet.Linux.Filesystems;
using Sublet.Runtime.Config;

namespace Sublet.Integration.Tests;

/// <summary><c>sublet doctor</c>'s decisions, against a fake host.</summary>
public sealed class DoctorChecksTests
{
    private static readonly NodeConfig Config = new() { StateRoot = "/", SubUidPath = "/fake/subuid", SubGidPath = "/fake/subgid" };

    private static DoctorCheck Row(List<DoctorCheck> checks, string name) => Assert.Single(checks, c => c.Check == name);

    [Fact]
    public void A_healthy_host_passes_with_crun_a_warning_while_runc_is_configured()
    {
        var checks = DoctorChecks.Run(Config, new FakeHost(), null);
        Assert.All(checks.Where(c => c.Check != "crun"), c => Assert.Equal(CheckStatus.Pass, c.Status));
        Assert.Equal(CheckStatus.Warn, Row(checks, "crun").Status);
        Assert.Equal("/usr/sbin/runc: runc version 1.1.5", Row(checks, "oci runtime").Detail);
        Assert.Contains("no kubelet entries", Row(checks, "id pool").Detail, StringComparison.Ordinal);
        Assert.Contains("default pool, first 65536", Row(checks, "id pool").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Crun_refused_by_the_cgroup_layout_fails_when_it_is_the_configured_runtime()
    {
        var checks = DoctorChecks.Run(Config with { OciRuntime = new OciRuntimeConfig { Name = "crun" } }, new FakeHost(), null);
        Assert.Equal(CheckStatus.Fail, Row(checks, "crun").Status);
        Assert.Equal("set ociRuntime.name: runc", Row(checks, "crun").Fix);
    }

    [Fact]
    public void Crun_passes_where_the_cgroup_layout_allows_it()
    {
        var checks = DoctorChecks.Run(Config, new FakeHost { Refusal = null }, null);
        Assert.Equal(CheckStatus.Pass, Row(checks, "crun").Status);
    }

    [Theory]
    [InlineData(5, 15, "Fail")]
    [InlineData(5, 19, "Warn")]
    [InlineData(6, 2, "Warn")]
    [InlineData(6, 3, "Pass")]
    [InlineData(6, 18, "Pass")]
    public void The_kernel_needs_5_19_for_overlay_layers_and_6_3_for_tmpfs(int major, int minor, string status) =>
        Assert.Equal(status, DoctorChecks.Kernel(new KernelVersion(major, minor)).Status.ToString());

    [Theory]
    [InlineData("15000\n", "Pass")]
    [InlineData("0\n", "Fail")]
    [InlineData(null, "Fail")]
    public void User_namespaces_need_a_positive_limit(string? max, string status) =>
        Assert.Equal(status, DoctorChecks.UserNamespaces(max).Status.ToString());

    [Fact]
    public void Kubelet_entries_are_reported_as_the_pool()
    {
        var host = new FakeHost { Files = { ["/fake/subuid"] = "kubelet:65536:7274496\n", ["/fake/subgid"] = "kubelet:65536:7274496\n" } };
        var row = Row(DoctorChecks.Run(Config, host, null), "id pool");
        Assert.Equal(CheckStatus.Pass, row.Status);
        Assert.Contains("kubelet entries of /fake/subuid and /fake/subgid, first 65536, 111 ranges", row.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kubelet:65536:7274496\n", "kubelet:131072:7274496\n", "mismatched")]
    [InlineData("kubelet:65536:655360\n", "kubelet:65536:655360\n", "not enough to support 110 pods")]
    public void Inconsistent_or_small_kubelet_entries_fail(string subuid, string subgid, string expected)
    {
        var host = new FakeHost { Files = { ["/fake/subuid"] = subuid, ["/fake/subgid"] = subgid } };
        var row = Row(DoctorChecks.Run(Config, host, null), "id pool");
        Assert.Equal(CheckStatus.Fail, row.Status);
        Assert.Contains(expected, row.Detail, StringComparison.Ordinal);
        Assert.NotEmpty(row.Fix);
    }

    [Fact]
    public void A_missing_binary_fails_with_the_package_to_install()
    {
        var host = new FakeHost();
        host.Binaries.Remove("/usr/bin/conmon");
        var row = Row(DoctorChecks.Run(Config, host, null), "conmon");
        Assert.Equal(CheckStatus.Fail, row.Status);
        Assert.StartsWith("apt-get install conmon", row.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_filesystem_that_cannot_be_idmapped_fails_with_what_is_needed()
    {
        var host = new FakeHost { Tmpfs = IdmapVerdict.From("/tmp/t", "tmpfs", Linux.Errno.EINVAL, new KernelVersion(6, 1)) };
        var row = Row(DoctorChecks.Run(Config, host, null), "idmap: tmpfs");
        Assert.Equal(CheckStatus.Fail, row.Status);
        Assert.Equal("Linux 6.3 or later (this is 6.1)", row.Fix);
    }

    [Fact]
    public void Without_root_nothing_is_probed()
    {
        var host = new FakeHost { Root = false };
        var checks = DoctorChecks.Run(Config, host, null);
        Assert.Equal(CheckStatus.Fail, Row(checks, "root").Status);
        Assert.Equal(CheckStatus.Warn, Row(checks, "idmap: state dir").Status);
        Assert.Empty(host.Probed);
    }

    [Fact]
    public void Each_volume_is_judged_on_the_filesystem_it_would_live_on()
    {
        var manifest = ManifestReader.Read("""
            apiVersion: v1
            kind: Pod
            metadata: {name: web, namespace: shop}
            spec:
              hostUsers: false
              containers: [{name: app, image: busybox}]
              volumes:
              - {name: data, hostPath: {path: /mnt/ram/x}}
              - {name: cache, emptyDir: {medium: Memory}}
              - {name: scratch, emptyDir: {}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: plain}
            spec:
              containers: [{name: app, image: busybox}]
              volumes:
              - {name: data, hostPath: {path: /mnt/ram/x}}
            """, "test.yaml");
        var host = new FakeHost { RamfsPrefix = "/" };
        var checks = DoctorChecks.Run(Config, host, manifest);

        var data = Row(checks, "volume \"data\" (shop/web)");
        Assert.Equal(CheckStatus.Fail, data.Status);
        Assert.Equal("volume \"data\" (hostPath /mnt/ram/x) is on ramfs, which can't be idmapped: a pod with hostUsers: false can't use it", data.Detail);
        Assert.Equal(CheckStatus.Pass, Row(checks, "volume \"cache\" (shop/web)").Status);
        Assert.Contains("emptyDir, medium Memory: tmpfs", Row(checks, "volume \"cache\" (shop/web)").Detail, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Fail, Row(checks, "volume \"scratch\" (shop/web)").Status); // the state dir "/" is on the fake ramfs
        Assert.Equal(CheckStatus.Pass, Row(checks, "volume \"data\" (default/plain)").Status);
        Assert.Contains("/", host.Probed); // /mnt/ram/x doesn't exist: its nearest existing parent is probed
    }

    [Fact]
    public void A_writable_hostPath_idmapped_to_host_IDs_warns_by_name_and_under_hostPathIdmap_pod_needs_no_probe()
    {
        var manifest = ManifestReader.Read("""
            apiVersion: v1
            kind: Pod
            metadata: {name: web}
            spec:
              hostUsers: false
              containers: [{name: app, image: busybox, volumeMounts: [{name: data, mountPath: /d}, {name: conf, mountPath: /c, readOnly: true}]}]
              volumes:
              - {name: data, hostPath: {path: /tmp/sublet-doctor-data}}
              - {name: conf, hostPath: {path: /tmp/sublet-doctor-conf}}
            """, "test.yaml");

        var host = new FakeHost();
        var idmapped = DoctorChecks.Run(Config, host, manifest);
        var notIdmapped = new FakeHost();
        var podIds = DoctorChecks.Run(Config with { UserNamespaces = new UserNamespacesConfig { HostPathIdmap = UserNamespacesConfig.PodIds } }, notIdmapped, manifest);

        var data = Row(idmapped, "volume \"data\" (default/web)");
        Assert.Equal(CheckStatus.Warn, data.Status);
        Assert.StartsWith("hostPath /tmp/sublet-doctor-data: ", data.Detail, StringComparison.Ordinal);
        Assert.Contains("; volume \"data\" (hostPath /tmp/sublet-doctor-data) is writable by a pod with hostUsers: false and idmapped to host IDs", data.Detail, StringComparison.Ordinal);
        Assert.StartsWith("mount it readOnly, or set userNamespaces.hostPathIdmap: pod", data.Fix, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Pass, Row(idmapped, "volume \"conf\" (default/web)").Status);
        Assert.All(podIds.Where(c => c.Check.StartsWith("volume", StringComparison.Ordinal)), c =>
        {
            Assert.Equal(CheckStatus.Pass, c.Status);
            Assert.Contains("not idmapped (userNamespaces.hostPathIdmap: pod): the pod reads and writes as its own host IDs, host files show as nobody", c.Detail, StringComparison.Ordinal);
        });
        Assert.Contains(host.Probed, p => p.StartsWith("/tmp", StringComparison.Ordinal));
        Assert.DoesNotContain(notIdmapped.Probed, p => p.StartsWith("/tmp", StringComparison.Ordinal));
    }

    /// <summary>A host where everything is in order (Linux 6.18, runc, ext4, tmpfs) unless a test says otherwise.</summary>
    [Theory]
    [InlineData(RootfsConfig.Idmap, "Fail", "user-namespaced pods are refused")]
    [InlineData(RootfsConfig.IdmapOrChownCopy, "Warn", "user-namespaced pods get a chown copy of their layers")]
    [InlineData(RootfsConfig.ChownCopy, "Warn", "user-namespaced pods get a chown copy of their layers")]
    public void Image_layers_that_cant_be_idmapped_say_which_rootfs_fallback_is_configured(string mode, string status, string detail)
    {
        var config = Config with { Rootfs = new RootfsConfig { UserNamespaceMode = mode } };
        var checks = DoctorChecks.Run(config, new FakeHost { RamfsPrefix = "/" }, null);
        Assert.Equal(CheckStatus.Fail, Row(checks, "idmap: state dir").Status); // the pods' own files need idmap in every mode
        var row = Row(checks, "idmap: image layers");
        Assert.Equal(status, row.Status.ToString());
        Assert.Contains("ramfs", row.Detail, StringComparison.Ordinal);
        Assert.Contains($"rootfs.userNamespaceMode is {mode}: {detail}", row.Detail, StringComparison.Ordinal);
        if (mode == RootfsConfig.Idmap)
        {
            Assert.EndsWith($", or set rootfs.userNamespaceMode: {RootfsConfig.IdmapOrChownCopy}", row.Fix, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_forced_chown_copy_is_a_warning_where_idmap_works()
    {
        var config = Config with { Rootfs = new RootfsConfig { UserNamespaceMode = RootfsConfig.ChownCopy } };
        var checks = DoctorChecks.Run(config, new FakeHost(), null);
        Assert.Equal(CheckStatus.Pass, Row(checks, "idmap: state dir").Status);
        Assert.Equal(CheckStatus.Warn, Row(checks, "idmap: image layers").Status);
        Assert.Equal(CheckStatus.Warn, Row(checks, "idmap: overlay layers").Status);
        Assert.Equal("set rootfs.userNamespaceMode: idmap for idmapped layers (no copy)", Row(checks, "idmap: image layers").Fix);
        Assert.Equal(CheckStatus.Pass, Row(DoctorChecks.Run(Config, new FakeHost(), null), "idmap: image layers").Status);
    }

    [Fact]
    public void The_pod_network_is_checked_without_writing_it_naming_missing_plugins_and_a_broken_first_file()
    {
        var host = new FakeHost();
        Assert.Contains("the first pod writes 10-sublet.conflist (bridge sublet0, subnet 10.87.0.0/16", Row(DoctorChecks.Run(Config, host, null), "network").Detail);
        Assert.Equal("bridge, host-local, portmap in /usr/lib/cni:/opt/cni/bin", Row(DoctorChecks.Run(Config, host, null), "network plugins").Detail);

        host.Files["/etc/cni/net.d/10-mine.conflist"] = """{"cniVersion": "1.0.0", "name": "mine", "plugins": [{"type": "macvlan", "ipam": {"type": "dhcp"}}]}""";
        host.Files["/etc/cni/net.d/20-broken.conflist"] = "{";
        var plugins = Row(DoctorChecks.Run(Config, host, null), "network plugins");
        Assert.Equal((CheckStatus.Fail, "macvlan, dhcp not found in /usr/lib/cni:/opt/cni/bin"), (plugins.Status, plugins.Detail));
        Assert.StartsWith("apt-get install containernetworking-plugins", plugins.Fix, StringComparison.Ordinal);

        host.Files["/etc/cni/net.d/05-broken.conflist"] = "{";
        var broken = Row(DoctorChecks.Run(Config, host, null), "network");
        Assert.Equal(CheckStatus.Fail, broken.Status);
        Assert.StartsWith("CNI network configuration /etc/cni/net.d/05-broken.conflist: not valid JSON", broken.Detail, StringComparison.Ordinal);

        host.Files.Remove("/etc/cni/net.d/05-broken.conflist");
        host.Files["/proc/sys/net/ipv4/ip_forward"] = "0\n";
        Assert.Equal(CheckStatus.Warn, Row(DoctorChecks.Run(Config, host, null), "ip forwarding").Status);
        Assert.Equal(CheckStatus.Warn, Row(DoctorChecks.Run(Config with { Network = new NetworkConfig { Mode = "none" } }, host, null), "network").Status);
    }

    private sealed class FakeHost : IDoctorHost
    {
        private static readonly KernelVersion Kernel618 = new(6, 18);

        public KernelVersion Kernel => Kernel618;
        public bool Root { get; init; } = true;
        public bool IsRoot => Root;
        public Dictionary<string, string> Files { get; } = new() { ["/proc/sys/user/max_user_namespaces"] = "15000\n", ["/proc/sys/net/ipv4/ip_forward"] = "1\n" };
        public HashSet<string> Binaries { get; } = ["/usr/sbin/runc", "/usr/bin/conmon", "/usr/bin/catatonit", "/usr/bin/crun", "/usr/sbin/iptables",
            "/usr/lib/cni/bridge", "/usr/lib/cni/host-local", "/usr/lib/cni/portmap"];
        public string? Refusal { get; init; } = "crun cannot run containers on this host: hybrid";
        public IdmapVerdict Tmpfs { get; init; } = IdmapVerdict.From("/tmp/t", "tmpfs", null, Kernel618);
        public string? RamfsPrefix { get; init; }
        public List<string> Probed { get; } = [];

        public string? ReadFile(string path) => Files.GetValueOrDefault(path);
        IReadOnlyList<string> IDoctorHost.Files(string directory) => [.. Files.Keys.Where(f => Path.GetDirectoryName(f) == directory)];
        public string? Find(string nameOrPath) => Binaries.FirstOrDefault(b => b == nameOrPath || Path.GetFileName(b) == nameOrPath);
        public string Version(string binary) => $"{Path.GetFileName(binary)} version 1.1.5";
        public string? CrunRefusal() => Refusal;

        public IdmapVerdict Idmap(string path)
        {
            Probed.Add(path);
            return RamfsPrefix is { } p && path.StartsWith(p, StringComparison.Ordinal)
                ? IdmapVerdict.From(path, "ramfs", Linux.Errno.EINVAL, Kernel618)
                : IdmapVerdict.From(path, "ext4", null, Kernel618);
        }

        public IdmapVerdict IdmapTmpfs() => Tmpfs;
        public IdmapVerdict IdmapOverlay(string parent) => IdmapVerdict.From(parent, "overlay over idmapped ext4", null, Kernel618);
    }
}

/// <summary><c>sublet doctor</c> on this machine, through the real binary.</summary>
public sealed class DoctorTests
{
    [Fact]
    public void Doctor_passes_on_this_machine_with_crun_a_warning_and_creates_nothing()
    {
        using var env = new SubletEnv();
        var sleepersBefore = Sleepers();
        var result = env.Run("doctor", "-o", "json");
        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = JsonDocument.Parse(result.Stdout).RootElement.EnumerateArray()
            .ToDictionary(r => r.GetProperty("check").GetString()!, r => r.GetProperty("status").GetString()!);
        Assert.Equal("warn", rows["crun"]);
        foreach (var check in new[] { "kernel", "user namespaces", "root", "oci runtime", "conmon", "catatonit", "id pool", "idmap: state dir", "idmap: tmpfs", "idmap: overlay layers" })
        {
            Assert.Equal("pass", rows[check]);
        }
        Assert.False(Directory.Exists(env.StateRoot), "doctor must not create the state directory");
        env.AssertNoLeftovers();
        Assert.Equal(sleepersBefore, Sleepers());

        var table = env.Ok("doctor");
        Assert.StartsWith("CHECK", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("idmap: overlay layers", table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_names_a_hostPath_volume_on_ramfs_and_fails()
    {
        using var env = new SubletEnv();
        var ramfs = Path.Combine(env.Root, "ram");
        Directory.CreateDirectory(ramfs);
        Assert.Equal(0, Host.Run("mount", "-t", "ramfs", "ramfs", ramfs).ExitCode);
        try
        {
            var manifest = env.WriteManifest($$$"""
                apiVersion: v1
                kind: Pod
                metadata: {name: web}
                spec:
                  hostUsers: false
                  containers: [{name: app, image: localhost/busybox:demo}]
                  volumes:
                  - {name: data, hostPath: {path: {{{ramfs}}}/x}}
                  - {name: scratch, emptyDir: {}}
                """);
            var result = env.Run("doctor", manifest);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"volume \"data\" (hostPath {ramfs}/x) is on ramfs, which can't be idmapped: a pod with hostUsers: false can't use it", result.Stdout, StringComparison.Ordinal);
            string Status(string volume) => Assert.Single(result.Stdout.Split('\n'), l => l.StartsWith($"volume \"{volume}\" (default/web)", StringComparison.Ordinal))
                .Split(" ", StringSplitOptions.RemoveEmptyEntries)[3];
            Assert.Equal("fail", Status("data"));
            Assert.Equal("pass", Status("scratch"));
        }
        finally
        {
            Assert.Equal(0, Host.Run("umount", ramfs).ExitCode);
        }
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(env.Root, StringComparison.Ordinal));
    }

    /// <summary>PIDs of <c>sleep 600</c> processes: the user-namespace helper's children must not outlive doctor.</summary>
    private static List<int> Sleepers() =>
        Process.GetProcessesByName("sleep").Where(p => CommandLine(p.Id) == "sleep 600").Select(p => p.Id).Order().ToList();

    private static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return null; // ended meanwhile
        }
    }
}
