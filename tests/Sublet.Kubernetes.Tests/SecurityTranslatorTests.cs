using Sublet.Kubernetes.Manifests;
using Sublet.Kubelet.Plan;
using Sublet.Runtime.Sandboxes;
using static Sublet.Kubernetes.Tests.Yaml;

namespace Sublet.Kubernetes.Tests;

public sealed class SecurityTranslatorTests
{
    private static readonly SecuritySettings Node = new("/var/lib/sublet/seccomp", ["net.core.somaxconn", "kernel.msg*"]);

    private static PodPlan Plan(string spec = "", string container = "") =>
        PodTranslator.Translate(ReadPod(Pod(spec: spec, container: container)), "pod.yaml", Node);

    private static ContainerSecurity Security(string spec = "", string container = "") => Plan(spec, container).Containers[0].Security;

    private static IReadOnlyList<string> Refused(string spec = "", string container = "") =>
        Assert.Throws<PodRejectedException>(() => Plan(spec, container)).Problems;

    [Fact]
    public void Defaults_are_kubernetes_defaults()
    {
        var s = Security();
        Assert.Equal((false, false, false, false, SeccompProfile.Unconfined, false, SupplementalGroupsPolicy.Merge),
            (s.Privileged, s.NoNewPrivileges, s.ReadOnlyRootFilesystem, s.RunAsNonRoot, s.Seccomp, s.UnmaskedProc, s.SupplementalGroupsPolicy));
    }

    [Fact]
    public void Container_fields_are_carried()
    {
        var s = Security(container: """
            securityContext:
              capabilities: {add: [NET_ADMIN], drop: [ALL]}
              allowPrivilegeEscalation: false
              readOnlyRootFilesystem: true
              runAsNonRoot: true
              seccompProfile: {type: RuntimeDefault}
            """);
        Assert.Equal(["NET_ADMIN"], s.AddCapabilities);
        Assert.Equal(["ALL"], s.DropCapabilities);
        Assert.Equal((true, true, true, SeccompProfile.RuntimeDefault), (s.NoNewPrivileges, s.ReadOnlyRootFilesystem, s.RunAsNonRoot, s.Seccomp));
    }

    [Theory]
    [InlineData("runAsNonRoot: true", "", true)]
    [InlineData("runAsNonRoot: true", "securityContext: {runAsNonRoot: false}", false)] // the container wins
    [InlineData("", "securityContext: {runAsNonRoot: true}", true)]
    public void RunAsNonRoot_container_over_pod(string pod, string container, bool expected) =>
        Assert.Equal(expected, Security($"securityContext: {{{pod}}}", container).RunAsNonRoot);

    [Fact]
    public void Pod_seccomp_is_inherited_unless_the_container_sets_its_own()
    {
        Assert.Equal(SeccompProfile.RuntimeDefault, Security("securityContext: {seccompProfile: {type: RuntimeDefault}}").Seccomp);
        Assert.Equal(SeccompProfile.Unconfined, Security("securityContext: {seccompProfile: {type: RuntimeDefault}}",
            "securityContext: {seccompProfile: {type: Unconfined}}").Seccomp);
    }

    [Theory]
    [InlineData("profiles/audit.json", "/var/lib/sublet/seccomp/profiles/audit.json")]
    [InlineData("a.json", "/var/lib/sublet/seccomp/a.json")]
    public void Localhost_profiles_are_below_the_node_directory(string relative, string full) =>
        Assert.Equal(new SeccompProfile(SeccompProfileType.Localhost, full),
            Security(container: $"securityContext: {{seccompProfile: {{type: Localhost, localhostProfile: {relative}}}}}").Seccomp);

    [Theory]
    [InlineData("../escape.json")]
    [InlineData("profiles/../../escape.json")]
    [InlineData("/etc/passwd")]
    public void Localhost_profiles_cannot_escape(string relative) =>
        Assert.Contains("must be a relative path below the node's seccomp profile directory",
            Assert.Single(Refused(container: $"securityContext: {{seccompProfile: {{type: Localhost, localhostProfile: \"{relative}\"}}}}")));

    [Fact]
    public void Localhost_needs_a_profile_and_types_are_checked()
    {
        Assert.Equal(["spec.containers[0].securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost"],
            Refused(container: "securityContext: {seccompProfile: {type: Localhost}}"));
        Assert.Contains("supported values", Assert.Single(Refused("securityContext: {seccompProfile: {type: Strict}}")));
    }

    [Fact]
    public void Supplemental_groups_policy_and_fs_group_come_from_the_pod()
    {
        var s = Security("securityContext: {supplementalGroups: [2000, 3000], fsGroup: 4000, supplementalGroupsPolicy: Strict}");
        Assert.Equal([2000L, 3000L, 4000L], s.SupplementalGroups);
        Assert.Equal(SupplementalGroupsPolicy.Strict, s.SupplementalGroupsPolicy);
        Assert.Contains("supported values: \"Merge\", \"Strict\"", Assert.Single(Refused("securityContext: {supplementalGroupsPolicy: Loose}")));
        Assert.Contains("supplementalGroups[0]: Invalid value: -1", Assert.Single(Refused("securityContext: {supplementalGroups: [-1]}")));
    }

    [Theory]
    [InlineData("privileged: true")]
    [InlineData("capabilities: {add: [CAP_SYS_ADMIN]}")]
    public void No_privilege_escalation_cannot_go_with_privileges(string field) =>
        Assert.Contains("cannot set `allowPrivilegeEscalation` to false",
            Assert.Single(Refused(container: $"securityContext: {{allowPrivilegeEscalation: false, {field}}}")));

    [Fact]
    public void Unmasked_proc_needs_a_user_namespace()
    {
        Assert.True(Security("hostUsers: false", "securityContext: {procMount: Unmasked}").UnmaskedProc);
        Assert.Equal(["spec.containers[0].securityContext.procMount: Invalid value: \"Unmasked\": `hostUsers` must be false to use `Unmasked`"],
            Refused(container: "securityContext: {procMount: Unmasked}"));
    }

    [Theory]
    [InlineData("seLinuxOptions: {level: \"s0:c1\"}")]
    [InlineData("appArmorProfile: {type: RuntimeDefault}")]
    public void What_cannot_be_enforced_is_refused_by_path(string field) =>
        Assert.Contains("sublet does not support this field yet", Assert.Single(Refused(container: $"securityContext: {{{field}}}")));

    [Fact]
    public void Init_containers_get_their_security_too()
    {
        var plan = PodTranslator.Translate(ReadPod("""
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec:
              initContainers:
              - {name: init, image: x, securityContext: {readOnlyRootFilesystem: true}}
              containers:
              - {name: app, image: x}
            """), "pod.yaml", Node);
        Assert.True(plan.InitContainers[0].Security.ReadOnlyRootFilesystem);
    }

    public static TheoryData<string, string?> SysctlCases => new()
    {
        // sysctl → problem (null = allowed)
        { "net.ipv4.ip_unprivileged_port_start", null },        // safe
        { "kernel.shm_rmid_forced", null },
        { "net/ipv4/tcp_syncookies", null },                     // slash form
        { "net.core.somaxconn", null },                          // allow-listed unsafe
        { "kernel.msgmax", null },                               // allow-listed prefix
        { "net.ipv4.tcp_congestion_control", "forbidden sysctl: \"net.ipv4.tcp_congestion_control\" not allowlisted" },
        { "kernel.sem", "forbidden sysctl: \"kernel.sem\" not allowlisted" },
        { "vm.swappiness", "forbidden sysctl: \"vm.swappiness\" is not a namespaced sysctl" },
        { "kernel.panic", "forbidden sysctl: \"kernel.panic\" is not a namespaced sysctl" },
    };

    [Theory]
    [MemberData(nameof(SysctlCases))]
    public void Sysctls_follow_the_kubelet_allowlist(string name, string? problem)
    {
        var spec = $"securityContext: {{sysctls: [{{name: \"{name}\", value: \"1\"}}]}}";
        if (problem is null)
        {
            Assert.Equal(new Sysctl(SysctlPolicy.Normalize(name), "1"), Assert.Single(Plan(spec).Sysctls));
            return;
        }
        Assert.Contains(problem, Assert.Single(Refused(spec)));
    }

    [Theory]
    [InlineData("net/ipv4/ip_forward", "net.ipv4.ip_forward")]
    [InlineData("net.ipv4.conf.eth0/1.forwarding", "net.ipv4.conf.eth0/1.forwarding")]
    [InlineData("net/ipv4/conf/eth0.1/forwarding", "net.ipv4.conf.eth0/1.forwarding")]
    public void Sysctl_names_are_normalized(string name, string expected) =>
        Assert.Equal(expected, SysctlPolicy.Normalize(name));

    [Fact]
    public void Duplicate_sysctls_are_refused() =>
        Assert.Contains("Duplicate value", Assert.Single(Refused(
            "securityContext: {sysctls: [{name: kernel.shm_rmid_forced, value: \"1\"}, {name: kernel.shm_rmid_forced, value: \"0\"}]}")));

    [Fact]
    public void Settings_come_from_the_node_configuration()
    {
        using var dir = new TestDir();
        var path = dir["config.yaml"];
        File.WriteAllText(path, "stateRoot: /srv/sublet\nallowedUnsafeSysctls: [\"net.core.*\", kernel.msgmax]\n");
        var settings = SecuritySettings.From(ConfigLoader.Load(path));
        Assert.Equal("/srv/sublet/seccomp", settings.SeccompProfileRoot);
        Assert.Equal(["net.core.*", "kernel.msgmax"], settings.AllowedUnsafeSysctls);
        File.WriteAllText(path, "seccompProfileRoot: /etc/sublet/seccomp\n");
        Assert.Equal("/etc/sublet/seccomp", SecuritySettings.From(ConfigLoader.Load(path)).SeccompProfileRoot);
    }

    public static TheoryData<string, int> OomCases => new()
    {
        // container resources (the only container) → oom_score_adj, with 8 GiB of node memory
        { "", 1000 },                                                                      // BestEffort
        { "resources: {limits: {cpu: 100m, memory: 1Gi}}", -997 },                         // Guaranteed (requests default to limits)
        { "resources: {limits: {cpu: 100m, memory: 1Gi}, requests: {cpu: 100m, memory: 1Gi}}", -997 },
        { "resources: {requests: {memory: 2Gi}}", 750 },                                   // Burstable: 1000 - 1000*2/8
        { "resources: {requests: {cpu: 100m}}", 999 },                                     // Burstable without memory: never BestEffort's score
        { "resources: {requests: {memory: 8Gi}}", 3 },                                     // never Guaranteed's
        { "resources: {limits: {memory: 1Gi}}", 875 },                                     // no CPU limit: Burstable, request = limit
    };

    [Theory]
    [MemberData(nameof(OomCases))]
    public void Oom_score_follows_the_qos_class(string container, int expected)
    {
        var settings = Node with { MemoryCapacity = 8L << 30 };
        var plan = PodTranslator.Translate(ReadPod(Pod(container: container)), "pod.yaml", settings);
        Assert.Equal(expected, plan.Containers[0].OomScoreAdj);
    }

    [Fact]
    public void Memory_capacity_is_MemTotal()
    {
        using var dir = new TestDir();
        var path = dir["meminfo"];
        File.WriteAllText(path, "MemTotal:        8048596 kB\nMemFree: 1 kB\n");
        Assert.Equal(8048596L * 1024, OomScore.MemoryCapacity(path));
    }
}
