using System.Text.Json;
using System.Text.Json.Nodes;
using Sublet.IdMapping;
using Sublet.Runtime.Oci;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Sandboxes;
using static Sublet.Runtime.Tests.Plans;

namespace Sublet.Runtime.Tests;

public sealed class SpecBuilderTests
{
    private static readonly IdRange PodRange = new(65536 * 3, 65536);
    private static readonly ResolvedUser Root = new(0, 0, []);
    private static readonly SandboxNamespaces Pause = new(4242);

    private static Spec ContainerSpec(IdRange? userns, ResolvedUser? user = null, ContainerPlan? container = null) =>
        Plans.PlaySpec(Pod(), "pod", container ?? Container(command: ["sh"]), "pod-app", Image(), user ?? Root, "/rootfs", Pause, userns);

    /// <summary>The process environment of a play container, as its OCI config carries it.</summary>
    private static IReadOnlyList<string> Env(PodPlan pod, ContainerPlan container, Images.ImageConfig image) =>
        Plans.PlaySpec(pod, "pod", container.Command is null ? container with { Command = ["sh"] } : container, "pod-app", image, Root, "/rootfs", Pause, null).Process.Env;

    /// <summary>A play pod's pause spec: the sandbox play asks the runtime core for (<see cref="PlaySandbox"/>), built by <see cref="CoreSpecs.Sandbox"/>.</summary>
    internal static Spec SandboxSpec(IdRange? userns, PodPlan? pod = null) =>
        CoreSpecs.Sandbox("pod", PlaySandbox.For(pod ?? Pod("web")) with { UserNamespace = userns }, "/pause");

    // ---- command and args (Kubernetes "Define a command and arguments for a container") ----

    public static TheoryData<string[]?, string[]?, string[]?, string[]?, string[]> CommandCases => new()
    {
        // command, args, ENTRYPOINT, CMD → process args
        { null, null, ["/entry"], ["cmd1", "cmd2"], ["/entry", "cmd1", "cmd2"] },        // neither: image as is
        { ["/bin/run"], null, ["/entry"], ["cmd1"], ["/bin/run"] },                      // command only: CMD dropped too
        { null, ["a1", "a2"], ["/entry"], ["cmd1"], ["/entry", "a1", "a2"] },            // args only: replace CMD
        { ["/bin/run"], ["a1"], ["/entry"], ["cmd1"], ["/bin/run", "a1"] },              // both: image ignored
        { null, null, null, ["sh", "-c", "x"], ["sh", "-c", "x"] },                      // CMD only image
        { null, ["a1"], null, ["cmd1"], ["a1"] },                                        // args with no ENTRYPOINT
        { [], null, ["/entry"], ["cmd1"], ["/entry", "cmd1"] },                          // empty command = unset
    };

    [Theory]
    [MemberData(nameof(CommandCases))]
    public void Arguments_follow_kubernetes_command_and_args_rules(string[]? command, string[]? args, string[]? entrypoint, string[]? cmd, string[] expected)
    {
        var result = PlayContainer.Arguments(Container(command: command, args: args), Image(entrypoint, cmd));
        Assert.Equal(expected, result);
    }

    [Fact]
    public void Empty_args_do_not_replace_the_image_cmd()
    {
        // An empty list means unset, as after an API-server round trip and in containerd's CRI.
        var result = PlayContainer.Arguments(Container(args: []), Image(["/entry"], ["default"]));
        Assert.Equal(["/entry", "default"], result);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(new string[0], new string[0])]
    public void Arguments_without_any_command_is_a_plan_error_naming_the_container(string[]? entrypoint, string[]? cmd)
    {
        var e = Assert.Throws<PlanException>(() => PlayContainer.Arguments(Container("worker"), Image(entrypoint, cmd)));
        Assert.Contains("\"worker\"", e.Message);
        Assert.Contains("no command specified", e.Message);
    }

    // ---- environment ----

    [Fact]
    public void Environment_keeps_image_order_adds_hostname_and_lets_the_manifest_override()
    {
        var image = Image(env: ["PATH=/opt/bin:/bin", "LANG=C", "EQ=b=c"]);
        var container = Container(env: [new("LANG", "en_US.UTF-8"), new("NEW", "x=y=z"), new("NEW", "last")]);

        var env = Env(Pod("web"), container, image);

        Assert.Equal(["PATH=/opt/bin:/bin", "LANG=en_US.UTF-8", "EQ=b=c", "HOSTNAME=web", "NEW=last"], env);
    }

    [Fact]
    public void Environment_defaults_PATH_when_the_image_sets_none()
    {
        var env = Env(Pod("web"), Container(), Image(env: ["HOME=/root"]));
        Assert.Equal(["HOME=/root", SpecDefaults.DefaultPath, "HOSTNAME=web"], env);
    }

    [Fact]
    public void Environment_values_with_equals_signs_survive_from_image_and_manifest()
    {
        var env = Env(Pod(), Container(env: [new("OPTS", "-Da=b -Dc=d")]), Image(env: ["URL=http://x/?a=1&b=2"]));
        Assert.Contains("URL=http://x/?a=1&b=2", env);
        Assert.Contains("OPTS=-Da=b -Dc=d", env);
    }

    [Fact]
    public void Environment_manifest_may_override_HOSTNAME_and_image_may_not()
    {
        Assert.Contains("HOSTNAME=web", Env(Pod("web"), Container(), Image(env: ["HOSTNAME=image"])));
        Assert.Contains("HOSTNAME=mine", Env(Pod("web"), Container(env: [new("HOSTNAME", "mine")]), Image()));
    }

    // ---- working directory and hostname ----

    [Theory]
    [InlineData("/manifest", "/image", "/manifest")]
    [InlineData(null, "/image", "/image")]
    [InlineData("", "/image", "/image")]
    [InlineData(null, null, "/")]
    [InlineData(null, "", "/")]
    public void WorkingDir_prefers_manifest_then_image_then_root(string? manifest, string? image, string expected) =>
        Assert.Equal(expected, Plans.PlaySpec(Pod(), "pod", Container(command: ["sh"], workingDir: manifest), "pod-app", Image(workingDir: image), Root, "/rootfs", Pause, null).Process.Cwd);

    [Theory]
    [InlineData("web", null, "web")]
    [InlineData("web", "custom", "custom")]
    public void Hostname_is_the_pod_hostname_or_its_name(string name, string? hostname, string expected) =>
        Assert.Equal(expected, PlaySandbox.Hostname(Pod(name, hostname)));

    [Fact]
    public void Hostname_is_cut_to_63_characters_without_a_trailing_dash_or_dot()
    {
        var exact = new string('a', 63);
        Assert.Equal(exact, PlaySandbox.Hostname(Pod(exact + "bcd")));
        var dashy = new string('a', 61) + "-.-tail";
        Assert.Equal(new string('a', 61), PlaySandbox.Hostname(Pod(dashy)));
    }

    // ---- sandbox ----

    [Fact]
    public void Sandbox_with_a_range_creates_a_user_namespace_and_maps_root_to_the_range()
    {
        var spec = SandboxSpec(PodRange);

        Assert.Equal(["mount", "pid", "network", "uts", "ipc", "user"], spec.Linux.Namespaces.Select(n => n.Type));
        Assert.All(spec.Linux.Namespaces, n => Assert.Null(n.Path));
        AssertRootMapsToPodRange(spec);
    }

    [Fact]
    public void Sandbox_without_a_range_has_no_user_namespace_and_no_mappings() => AssertNoUserNamespace(SandboxSpec(null));

    [Fact]
    public void Sandbox_runs_catatonit_as_root_on_a_readonly_root_without_capabilities()
    {
        var spec = SandboxSpec(PodRange);

        Assert.Equal(["/catatonit", "-P"], spec.Process.Args);
        Assert.Equal(0u, spec.Process.User.Uid);
        Assert.True(spec.Root.Readonly);
        Assert.Equal("/pause", spec.Root.Path);
        Assert.Equal("web", spec.Hostname);
        Assert.True(spec.Process.NoNewPrivileges);
        Assert.Empty(spec.Process.Capabilities!.Effective);
        Assert.Empty(spec.Process.Capabilities.Bounding);
        Assert.Equal("/sublet/podpod/pod", spec.Linux.CgroupsPath); // nested under the pod's parent cgroup
    }

    // ---- app containers ----

    [Fact]
    public void Sandbox_of_a_pod_with_a_privileged_init_container_holds_a_writable_sysfs()
    {
        // sysfs superblocks are shared per network namespace: the pause holds a writable one, so a
        // privileged container gets /sys writable whatever ran before it (kubernetes#96877).
        var privileged = Container("init") with { Security = new ContainerSecurity { Privileged = true } };
        var pod = Pod("web", null, Container()) with { InitContainers = [privileged] };
        var sysfs = Assert.Single(SandboxSpec(null, pod).Mounts, m => m.Type == "sysfs");
        Assert.DoesNotContain("ro", sysfs.Options!);
        Assert.DoesNotContain(SandboxSpec(null).Mounts, m => m.Type == "sysfs");
    }

    [Fact]
    public void A_host_network_pod_keeps_the_nodes_network_uts_and_hostname_and_in_a_user_namespace_binds_the_nodes_sys()
    {
        var pod = Pod("web", null, Container()) with { HostNetwork = true };
        var sandbox = SandboxSpec(PodRange, pod);
        Assert.Equal(["mount", "pid", "ipc", "user"], sandbox.Linux.Namespaces.Select(n => n.Type));
        Assert.Null(sandbox.Hostname);
        var container = Plans.PlaySpec(pod, "p", Container(command: ["sh"]), "p-app", Image(), Root, "/rootfs", Pause, PodRange);
        Assert.DoesNotContain(container.Linux.Namespaces, n => n.Type is "network" or "uts");
        // sysfs can't be mounted from a user namespace that doesn't own the network namespace.
        var sys = Assert.Single(container.Mounts, m => m.Destination == "/sys");
        Assert.Equal(("bind", "/sys", "rbind,nosuid,noexec,nodev,ro"), (sys.Type, sys.Source, string.Join(",", sys.Options!)));
        Assert.Equal("sysfs", Assert.Single(Plans.PlaySpec(pod, "p", Container(command: ["sh"]), "p-app", Image(), Root, "/rootfs", Pause, null).Mounts, m => m.Destination == "/sys").Type);
        Assert.Equal(Environment.MachineName, PlaySandbox.Hostname(pod));
    }

    [Fact]
    public void Container_joins_the_sandbox_namespaces_by_path_and_owns_pid_and_mount()
    {
        var spec = ContainerSpec(PodRange);

        var byType = spec.Linux.Namespaces.ToDictionary(n => n.Type, n => n.Path);
        Assert.Equal(6, spec.Linux.Namespaces.Count);
        Assert.Equal("/proc/4242/ns/net", byType["network"]);
        Assert.Equal("/proc/4242/ns/ipc", byType["ipc"]);
        Assert.Equal("/proc/4242/ns/uts", byType["uts"]);
        Assert.Equal("/proc/4242/ns/user", byType["user"]);
        Assert.Null(byType["pid"]);
        Assert.Null(byType["mount"]);
    }

    [Fact]
    public void Container_repeats_the_pod_mappings_for_runc() => AssertRootMapsToPodRange(ContainerSpec(PodRange));

    [Fact]
    public void Container_of_a_host_users_pod_joins_no_user_namespace() => AssertNoUserNamespace(ContainerSpec(null));

    [Fact]
    public void Container_proc_root_is_configurable()
    {
        Assert.Equal("/host/proc/7/ns/ipc", new SandboxNamespaces(7, "/host/proc").Path("ipc"));
    }

    [Theory]
    [InlineData(0u, true)]
    [InlineData(1000u, false)]
    public void Container_capabilities_are_the_default_set_and_effective_only_for_root(uint uid, bool effective)
    {
        var caps = ContainerSpec(PodRange, new ResolvedUser(uid, uid, [])).Process.Capabilities!;

        Assert.Equal(SpecDefaults.Capabilities, caps.Bounding);
        Assert.Equal(SpecDefaults.Capabilities, caps.Permitted);
        Assert.Equal(effective ? SpecDefaults.Capabilities : [], caps.Effective);
        Assert.Contains("CAP_NET_BIND_SERVICE", caps.Bounding);
        Assert.DoesNotContain("CAP_SYS_ADMIN", caps.Bounding);
    }

    [Fact]
    public void Container_process_carries_user_groups_args_env_and_cwd()
    {
        var container = Container(command: ["/bin/sh", "-c", "id"], workingDir: "/work", env: [new("A", "1")]);
        var spec = ContainerSpec(null, new ResolvedUser(1000, 100, [10, 20]), container);

        Assert.Equal(1000u, spec.Process.User.Uid);
        Assert.Equal(100u, spec.Process.User.Gid);
        Assert.Equal([10u, 20u], spec.Process.User.AdditionalGids!);
        Assert.Equal(["/bin/sh", "-c", "id"], spec.Process.Args);
        Assert.Equal("/work", spec.Process.Cwd);
        Assert.Contains("A=1", spec.Process.Env);
        Assert.Equal("/rootfs", spec.Root.Path);
        Assert.False(spec.Root.Readonly);
        Assert.Null(ContainerSpec(null).Process.User.AdditionalGids);
    }

    [Fact]
    public void Container_hides_and_protects_the_containerd_paths()
    {
        var linux = ContainerSpec(PodRange).Linux;
        Assert.Contains("/proc/kcore", linux.MaskedPaths!);
        Assert.Contains("/sys/firmware", linux.MaskedPaths!);
        Assert.Contains("/proc/sys", linux.ReadonlyPaths!);
        Assert.Contains("/proc/sysrq-trigger", linux.ReadonlyPaths!);
        Assert.Equal(SpecDefaults.MaskedPaths, linux.MaskedPaths!);
        Assert.Equal(SpecDefaults.ReadonlyPaths, linux.ReadonlyPaths!);
    }

    [Theory]
    [InlineData("/proc", "proc")]
    [InlineData("/dev", "tmpfs")]
    [InlineData("/dev/pts", "devpts")]
    [InlineData("/dev/shm", "tmpfs")]
    [InlineData("/dev/mqueue", "mqueue")]
    [InlineData("/sys", "sysfs")]
    [InlineData("/sys/fs/cgroup", "cgroup")]
    public void Container_gets_the_usual_filesystems(string destination, string type)
    {
        var mount = Assert.Single(ContainerSpec(PodRange).Mounts, m => m.Destination == destination);
        Assert.Equal(type, mount.Type);
        Assert.Contains("nosuid", mount.Options!);
    }

    [Fact]
    public void Sys_is_mounted_readonly()
    {
        var sys = Assert.Single(ContainerSpec(PodRange).Mounts, m => m.Destination == "/sys");
        Assert.Contains("ro", sys.Options!);
    }

    [Fact]
    public void Annotations_name_the_container_and_its_pod()
    {
        var annotations = ContainerSpec(null).Annotations!;
        Assert.Equal("container", annotations["io.kubernetes.cri.container-type"]);
        Assert.Equal("app", annotations["io.kubernetes.cri.container-name"]);
        Assert.Equal("web", annotations["io.kubernetes.pod.name"]);
        Assert.Equal("web", annotations["io.kubernetes.cri.sandbox-name"]);
        Assert.Equal("sandbox", SandboxSpec(null).Annotations!["io.kubernetes.cri.container-type"]);
    }

    private static void AssertRootMapsToPodRange(Spec spec)
    {
        var expected = new Oci.IdMapping { ContainerId = 0, HostId = PodRange.Start, Size = PodRange.Length };
        Assert.Equal([expected], spec.Linux.UidMappings!);
        Assert.Equal([expected], spec.Linux.GidMappings!);
    }

    private static void AssertNoUserNamespace(Spec spec)
    {
        Assert.DoesNotContain(spec.Linux.Namespaces, n => n.Type == "user");
        Assert.Null(spec.Linux.UidMappings);
        Assert.Null(spec.Linux.GidMappings);
    }

    // ---- JSON ----

    [Fact]
    public void Json_uses_the_runtime_spec_names()
    {
        var json = JsonNode.Parse(JsonSerializer.Serialize(ContainerSpec(PodRange), SpecJson.Default.Spec))!;

        Assert.Equal("1.0.2", (string?)json["ociVersion"]);
        var mapping = json["linux"]!["uidMappings"]![0]!;
        Assert.Equal(0u, (uint)mapping["containerID"]!);
        Assert.Equal(PodRange.Start, (uint)mapping["hostID"]!);
        Assert.Equal(PodRange.Length, (uint)mapping["size"]!);
        Assert.NotNull(json["linux"]!["gidMappings"]);
        Assert.Equal("/proc/4242/ns/user", (string?)json["linux"]!["namespaces"]!.AsArray().Single(n => (string?)n!["type"] == "user")!["path"]);
        Assert.Equal("/rootfs", (string?)json["root"]!["path"]);
        Assert.NotNull(json["process"]!["capabilities"]!["bounding"]);
        Assert.NotNull(json["linux"]!["maskedPaths"]);
        Assert.NotNull(json["linux"]!["readonlyPaths"]);
        Assert.NotNull(json["linux"]!["cgroupsPath"]);
    }

    [Fact]
    public void Json_omits_null_fields()
    {
        var json = JsonNode.Parse(JsonSerializer.Serialize(ContainerSpec(null), SpecJson.Default.Spec))!;

        var linux = json["linux"]!.AsObject();
        Assert.False(linux.ContainsKey("uidMappings"));
        Assert.False(linux.ContainsKey("gidMappings"));
        Assert.False(json["process"]!["user"]!.AsObject().ContainsKey("additionalGids"));
        Assert.False(json.AsObject().ContainsKey("hostname"));
        Assert.False(json["linux"]!["namespaces"]![0]!.AsObject().ContainsKey("path"));
        Assert.DoesNotContain("null", json.ToJsonString());
    }

    [Fact]
    public void Json_round_trips()
    {
        var spec = SandboxSpec(PodRange);
        var back = JsonSerializer.Deserialize(JsonSerializer.Serialize(spec, SpecJson.Default.Spec), SpecReadJson.Default.Spec)!;
        Assert.Equal(spec.Linux.UidMappings, back.Linux.UidMappings);
        Assert.Equal(spec.Process.Args, back.Process.Args);
        Assert.Equal(spec.Hostname, back.Hostname);
    }
}

/// <summary>A reader of config.json for the tests: Sublet only writes it, so its own context is generated as a writer.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(Spec))]
internal sealed partial class SpecReadJson : System.Text.Json.Serialization.JsonSerializerContext;
