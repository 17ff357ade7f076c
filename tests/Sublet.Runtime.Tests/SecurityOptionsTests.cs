using System.Runtime.InteropServices;
using System.Text.Json;
using Sublet.IdMapping;
using Sublet.Runtime.Oci;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Sandboxes;
using static Sublet.Runtime.Tests.Plans;

namespace Sublet.Runtime.Tests;

public sealed class SecurityOptionsTests
{
    // This host's bounding set: everything up to CAP_CHECKPOINT_RESTORE but CAP_SYS_RESOURCE (bit 24).
    private static readonly HostLimits Host = new(CapabilitySet.FromMask(0x000001fffeffffff), 0,
        () => [new Device { Type = "c", Path = "/dev/fuse", Major = 10, Minor = 229, FileMode = 0x1b6 }]);

    private static readonly IdRange PodRange = new(65536 * 3, 65536);

    private static Spec Build(ContainerSecurity security, ResolvedUser? user = null, long? runAsUser = null, int? oom = null) =>
        Plans.PlaySpec(Pod(), "x", Container(command: ["sh"], runAsUser: runAsUser) with { Security = security, OomScoreAdj = oom }, "x-app",
            Image(), user ?? new ResolvedUser(0, 0, []), "/rootfs", new SandboxNamespaces(4242), PodRange, Host);

    public static TheoryData<string[], string[], string[]> CapabilityCases => new()
    {
        // add, drop → bounding set (beyond or instead of containerd's 14 defaults)
        { [], ["ALL"], [] },
        { ["NET_RAW"], ["ALL"], ["CAP_NET_RAW"] },                 // ALL first, then single names
        { ["net_admin"], [], [.. SpecDefaultsCaps, "CAP_NET_ADMIN"] },
        { [], ["CHOWN", "KILL"], [.. SpecDefaultsCaps.Where(c => c is not "CAP_CHOWN" and not "CAP_KILL")] },
        { ["CAP_SYS_ADMIN"], [], [.. SpecDefaultsCaps, "CAP_SYS_ADMIN"] },
        { ["SYS_RESOURCE"], [], SpecDefaultsCaps },                 // the host lacks it: clamped
    };

    private static readonly string[] SpecDefaultsCaps =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    [Theory]
    [MemberData(nameof(CapabilityCases))]
    public void Capabilities_add_and_drop_as_containerd(string[] add, string[] drop, string[] expected)
    {
        var caps = Build(new ContainerSecurity { AddCapabilities = add, DropCapabilities = drop }).Process.Capabilities!;
        Assert.Equal(expected.Order(), caps.Bounding.Order());
        Assert.Equal(caps.Bounding, caps.Permitted);
        Assert.Equal(caps.Bounding, caps.Effective);
    }

    [Fact]
    public void Add_all_is_the_host_set_and_a_refused_capability_is_recorded()
    {
        var spec = Build(new ContainerSecurity { AddCapabilities = ["all", "SYS_RESOURCE"], DropCapabilities = ["MKNOD"] });
        Assert.Equal(Host.Capabilities.Count - 1, spec.Process.Capabilities!.Bounding.Count);
        Assert.DoesNotContain("CAP_MKNOD", spec.Process.Capabilities.Bounding);
        Assert.Contains("CAP_SYS_RESOURCE not granted", spec.Annotations![SecurityOptions.ClampedAnnotation]);
    }

    [Fact]
    public void A_non_root_user_gets_no_effective_capabilities()
    {
        var caps = Build(new ContainerSecurity(), new ResolvedUser(1000, 1000, [])).Process.Capabilities!;
        Assert.Empty(caps.Effective);
        Assert.NotEmpty(caps.Bounding);
    }

    [Fact]
    public void Unknown_capability_is_a_plan_error()
    {
        var e = Assert.Throws<PlanException>(() => Build(new ContainerSecurity { AddCapabilities = ["FLY"] }));
        Assert.Contains("CAP_FLY", e.Message);
    }

    [Fact]
    public void Privileged_gets_host_capabilities_devices_writable_sysfs_and_no_confinement()
    {
        var spec = Build(new ContainerSecurity { Privileged = true, DropCapabilities = ["ALL"], Seccomp = SeccompProfile.RuntimeDefault });
        Assert.Equal(Host.Capabilities, spec.Process.Capabilities!.Bounding);
        Assert.Null(spec.Linux.MaskedPaths);
        Assert.Null(spec.Linux.ReadonlyPaths);
        Assert.Null(spec.Linux.Seccomp);
        Assert.Equal("/dev/fuse", Assert.Single(spec.Linux.Devices!).Path);
        Assert.True(Assert.Single(spec.Linux.Resources!.Devices!).Allow);
        Assert.DoesNotContain("ro", spec.Mounts.Single(m => m.Destination == "/sys").Options!);
        Assert.NotNull(spec.Linux.UidMappings); // still in the pod's user namespace
    }

    [Fact]
    public void Default_container_is_confined()
    {
        var spec = Build(new ContainerSecurity());
        Assert.NotEmpty(spec.Linux.MaskedPaths!);
        Assert.Contains("/proc/sys", spec.Linux.ReadonlyPaths!);
        Assert.Null(spec.Linux.Devices);
        Assert.False(Assert.Single(spec.Linux.Resources!.Devices!).Allow);
        Assert.Contains("ro", spec.Mounts.Single(m => m.Destination == "/sys").Options!);
        Assert.False(spec.Process.NoNewPrivileges); // allowPrivilegeEscalation defaults to true
        Assert.False(spec.Root.Readonly);
        Assert.Null(spec.Linux.Seccomp);            // Kubernetes' default is Unconfined
    }

    [Fact]
    public void Unmasked_proc_drops_masked_paths_but_sysfs_stays_read_only()
    {
        var spec = Build(new ContainerSecurity { UnmaskedProc = true });
        Assert.Null(spec.Linux.MaskedPaths);
        Assert.Null(spec.Linux.ReadonlyPaths);
        Assert.Contains("ro", spec.Mounts.Single(m => m.Destination == "/sys").Options!);
    }

    [Fact]
    public void No_new_privileges_and_read_only_root()
    {
        var spec = Build(new ContainerSecurity { NoNewPrivileges = true, ReadOnlyRootFilesystem = true });
        Assert.True(spec.Process.NoNewPrivileges);
        Assert.True(spec.Root.Readonly);
    }

    public static TheoryData<long?, string, string?> NonRootCases => new()
    {
        // runAsUser, image USER → kubelet message (null = runs)
        { 0, "", "container's runAsUser breaks non-root policy (pod: \"web_default(0b8f7e0e-0000-4000-8000-000000000001)\", container: app)" },
        { 1000, "", null },
        { null, "", "container has runAsNonRoot and image will run as root (pod: \"web_default(0b8f7e0e-0000-4000-8000-000000000001)\", container: app)" },
        { null, "0:0", "container has runAsNonRoot and image will run as root" },
        { null, "65534", null },
        { null, "65534:staff", null },
        { null, "nobody", "container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root" },
        { null, "nobody:nogroup", "image has non-numeric user (nobody)" },
        { 1000, "nobody", null },
    };

    [Theory]
    [MemberData(nameof(NonRootCases))]
    public void RunAsNonRoot_is_verified_with_the_kubelets_messages(long? runAsUser, string imageUser, string? message)
    {
        var container = Container(command: ["sh"], runAsUser: runAsUser) with { Security = new ContainerSecurity { RunAsNonRoot = true } };
        var verify = () => RunAsNonRoot.Verify(Pod(), container, imageUser);
        if (message is null)
        {
            verify();
            return;
        }
        Assert.Contains(message, Assert.Throws<PlanException>(verify).Message);
    }

    [Fact]
    public void RunAsNonRoot_unset_lets_root_run()
    {
        RunAsNonRoot.Verify(Pod(), Container(command: ["sh"]), "");
        Assert.Equal(0u, Build(new ContainerSecurity()).Process.User.Uid);
    }

    [Theory]
    [InlineData(-997, 0, 0, true)]    // Guaranteed on a host without CAP_SYS_RESOURCE
    [InlineData(1000, 0, 1000, false)] // BestEffort
    [InlineData(null, 0, null, false)]
    [InlineData(-500, -999, -500, false)]
    public void Oom_score_is_never_below_the_runtimes_own(int? wanted, int current, int? expected, bool recorded)
    {
        var clamped = new List<string>();
        Assert.Equal(expected, SecurityOptions.ClampOomScore(wanted, current, clamped));
        Assert.Equal(recorded, clamped.Count > 0);
    }

    [Fact]
    public void Clamped_oom_score_is_written_and_annotated()
    {
        var spec = Build(new ContainerSecurity(), oom: -997);
        Assert.Equal(0, spec.Process.OomScoreAdj);
        Assert.Contains("oomScoreAdj -997 raised to 0", spec.Annotations![SecurityOptions.ClampedAnnotation]);
    }

    [Fact]
    public void Sandbox_carries_the_pods_sysctls()
    {
        var pod = Pod() with { Sysctls = [new("net.ipv4.ip_unprivileged_port_start", "0"), new("kernel.shm_rmid_forced", "1")] };
        var spec = SpecBuilderTests.SandboxSpec(PodRange, pod);
        Assert.Equal("0", spec.Linux.Sysctl!["net.ipv4.ip_unprivileged_port_start"]);
        Assert.Equal(2, spec.Linux.Sysctl.Count);
        Assert.Null(SpecBuilderTests.SandboxSpec(PodRange, Pod()).Linux.Sysctl);
    }

    [Fact]
    public void Host_limits_are_read_from_proc()
    {
        using var dir = new TestDir();
        File.WriteAllText(Path.Combine(dir.Path, "status"), "Name:\tx\nCapBnd:\t000001fffeffffff\nCapAmb:\t0\n");
        File.WriteAllText(Path.Combine(dir.Path, "oom_score_adj"), "-5\n");
        var host = HostLimits.Read(dir.Path, "/nonexistent");
        Assert.Equal(-5, host.OomScoreAdj);
        Assert.DoesNotContain("CAP_SYS_RESOURCE", host.Capabilities);
        Assert.Contains("CAP_CHECKPOINT_RESTORE", host.Capabilities);
        Assert.Equal(40, host.Capabilities.Count);
    }

    [Fact]
    public void Spec_json_names_follow_the_runtime_spec()
    {
        var spec = Build(new ContainerSecurity { Seccomp = SeccompProfile.RuntimeDefault, Privileged = false }, oom: 5);
        var json = JsonSerializer.Serialize(spec, SpecJson.Default.Spec);
        Assert.Contains("\"seccomp\": {", json);
        Assert.Contains("\"defaultAction\": \"SCMP_ACT_ERRNO\"", json);
        Assert.Contains("\"oomScoreAdj\": 5", json);
        Assert.Contains("SCMP_CMP_MASKED_EQ", json);
    }

    [Fact]
    public void Host_devices_come_from_sysfs_numbers_and_existing_nodes()
    {
        using var dir = new TestDir();
        void Node(string kind, string numbers, string name, bool present = true)
        {
            var (major, minor) = (numbers.Split(':')[0], numbers.Split(':')[1]);
            dir.Write($"sys/{kind}/{numbers}/uevent", $"MAJOR={major}\nMINOR={minor}\nDEVNAME={name}\n");
            if (present)
            {
                dir.Write($"dev/{name}", "");
            }
        }
        Node("char", "1:3", "null");
        Node("char", "10:229", "fuse");
        Node("char", "5:1", "console");            // skipped, as containerd does
        Node("char", "136:0", "pts/0");            // under a skipped directory
        Node("char", "10:183", "hwrng", present: false);
        Node("block", "7:0", "loop0");
        File.CreateSymbolicLink(dir["dev/link"], dir["dev/null"]);
        Node("char", "1:5", "link", present: false); // a symlink is never followed

        var devices = HostDevices.Scan(dir["dev"], dir["sys"]);

        Assert.Equal(["c /dev/fuse 10:229", "c /dev/null 1:3", "b /dev/loop0 7:0"],
            devices.Select(d => $"{d.Type} {d.Path} {d.Major}:{d.Minor}"));
    }
}
