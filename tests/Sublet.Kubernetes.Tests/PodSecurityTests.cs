using Sublet.Kubernetes.Admission;
using Sublet.Kubernetes.Manifests;
using Sublet.Runtime.Config;

namespace Sublet.Kubernetes.Tests;

/// <summary>Verdicts and messages of pod-security-admission (policy/check_*_test.go and a live 1.36 API server).</summary>
public class PodSecurityTests
{
    private const string Hardened = "allowPrivilegeEscalation: false\n  capabilities: {drop: [ALL]}\n  seccompProfile: {type: RuntimeDefault}";

    private static string Evaluate(string policy, string spec = "", string container = "")
    {
        var pod = Yaml.ReadPod(Yaml.Pod(spec: spec, container: container));
        var parts = policy.Split(':');
        var p = new Policy(Policy.ParseLevel(parts[0])!.Value, PolicyVersion.Parse(parts[1])!.Value);
        return string.Join(", ", PodSecurityEvaluator.Evaluate(p, pod.Metadata, pod.Spec));
    }

    [Fact]
    public void RestrictedRefusesADefaultRootPodAsTheApiServerDoes() => Assert.Equal(
        "allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false), "
        + "unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"]), "
        + "runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true), "
        + "seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
        Evaluate("restricted:latest"));

    public static TheoryData<string, string, string, string> Cases => new()
    {
        // The user-namespace relaxation: runAsNonRoot and runAsUser from policy v1.35 on only.
        { "restricted:latest", "hostUsers: false", $"securityContext:\n  runAsUser: 0\n  {Hardened}", "" },
        { "restricted:v1.35", "hostUsers: false", $"securityContext:\n  runAsUser: 0\n  {Hardened}", "" },
        { "restricted:v1.34", "hostUsers: false", $"securityContext:\n  runAsUser: 0\n  {Hardened}",
            "runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true), runAsUser=0 (container \"app\" must not set runAsUser=0)" },
        { "restricted:latest", "", $"securityContext:\n  runAsUser: 0\n  {Hardened}",
            "runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true), runAsUser=0 (container \"app\" must not set runAsUser=0)" },
        // Not relaxed: capabilities and privilege escalation.
        { "restricted:latest", "hostUsers: false", "securityContext:\n  allowPrivilegeEscalation: true\n  capabilities: {drop: [ALL], add: [SYS_ADMIN, NET_ADMIN]}\n  seccompProfile: {type: RuntimeDefault}",
            "allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"app\" must not include \"NET_ADMIN\", \"SYS_ADMIN\" in securityContext.capabilities.add)" },
        { "baseline:latest", "hostUsers: false", "securityContext: {capabilities: {add: [NET_RAW]}}",
            "non-default capabilities (container \"app\" must not include \"NET_RAW\" in securityContext.capabilities.add)" },
        // procMount: baseline relaxes Unmasked in a user namespace from v1.35, restricted never does.
        { "baseline:latest", "hostUsers: false", "securityContext: {procMount: Unmasked}", "" },
        { "baseline:v1.34", "hostUsers: false", "securityContext: {procMount: Unmasked}", "procMount (container \"app\" must not set securityContext.procMount to \"Unmasked\")" },
        { "restricted:latest", "hostUsers: false\nsecurityContext: {runAsNonRoot: true}", $"securityContext:\n  procMount: Unmasked\n  {Hardened}", "procMount (container \"app\" must not set securityContext.procMount to \"Unmasked\")" },
        // Baseline checks.
        { "baseline:latest", "hostNetwork: true\nhostPID: true\nhostIPC: true", "", "host namespaces (hostIPC=true, hostNetwork=true, hostPID=true)" },
        // Baseline checks first, then Restricted ones, each by ID.
        { "restricted:latest", "hostNetwork: true\nsecurityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}", "securityContext: {capabilities: {drop: [ALL]}}",
            "host namespaces (hostNetwork=true), allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false)" },
        { "baseline:latest", "", "securityContext: {privileged: true}", "privileged (container \"app\" must not set securityContext.privileged=true)" },
        { "baseline:latest", "", "ports:\n- {containerPort: 80, hostPort: 8080}", "hostPort (container \"app\" uses hostPort 8080)" },
        { "baseline:latest", "volumes:\n- {name: h, hostPath: {path: /etc}}", "", "hostPath volumes (volume \"h\")" },
        { "restricted:latest", "volumes:\n- {name: h, hostPath: {path: /etc}}\nsecurityContext: {runAsNonRoot: true}", $"securityContext:\n  {Hardened}",
            "restricted volume types (volume \"h\" uses restricted volume type \"hostPath\")" },
        { "baseline:latest", "securityContext:\n  sysctls:\n  - {name: net.ipv4.tcp_rmem, value: \"4096 87380 6291456\"}", "", "" },
        { "baseline:v1.31", "securityContext:\n  sysctls:\n  - {name: net.ipv4.tcp_rmem, value: \"4096 87380 6291456\"}", "", "forbidden sysctls (net.ipv4.tcp_rmem)" },
        { "baseline:latest", "securityContext: {seccompProfile: {type: Unconfined}}", "", "seccompProfile (pod must not set securityContext.seccompProfile.type to \"Unconfined\")" },
        { "baseline:latest", "", "securityContext: {seLinuxOptions: {type: spc_t}}", "seLinuxOptions (container \"app\" set forbidden securityContext.seLinuxOptions: type \"spc_t\")" },
        { "baseline:latest", "", "securityContext: {seLinuxOptions: {type: container_engine_t}}", "" },
        { "baseline:v1.30", "", "securityContext: {seLinuxOptions: {type: container_engine_t}}", "seLinuxOptions (container \"app\" set forbidden securityContext.seLinuxOptions: type \"container_engine_t\")" },
        { "baseline:latest", "", "livenessProbe: {httpGet: {host: 10.0.0.1, port: 80}}", "probe or lifecycle host (container \"app\" uses probe or lifecycle host \"10.0.0.1\")" },
        { "baseline:v1.33", "", "livenessProbe: {httpGet: {host: 10.0.0.1, port: 80}}", "" },
        { "baseline:latest", "", "securityContext: {appArmorProfile: {type: Unconfined}}", "forbidden AppArmor profile (container \"app\" must not set AppArmor profile type to \"Unconfined\")" },
        { "privileged:latest", "hostNetwork: true", "securityContext: {privileged: true}", "" },
        // Checks join the Restricted level at their versions: allowPrivilegeEscalation 1.8, seccompProfile 1.19, capabilities 1.22.
        { "restricted:v1.0", "", "", "runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true)" },
        { "restricted:v1.19", "", "",
            "allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")" },
        { "restricted:v1.21", "", "securityContext: {capabilities: {add: [NET_RAW]}}",
            "non-default capabilities (container \"app\" must not include \"NET_RAW\" in securityContext.capabilities.add), allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")" },
        // Windows pods are exempt from three Restricted checks from v1.25.
        { "restricted:latest", "os: {name: windows}\nsecurityContext: {runAsNonRoot: true}", "", "" },
        { "restricted:v1.24", "os: {name: windows}\nsecurityContext: {runAsNonRoot: true}", "",
            "allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"]), seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")" },
    };

    [Theory]
    [InlineData("baseline:v1.18", "forbidden annotation seccomp.security.alpha.kubernetes.io/pod=\"unconfined\"")]
    [InlineData("baseline:v1.19", "")]
    public void SeccompAnnotationsCountBefore1_19Only(string policy, string expected)
    {
        var pod = Yaml.ReadPod(Yaml.Pod().Replace("  name: web", "  name: web\n  annotations: {seccomp.security.alpha.kubernetes.io/pod: unconfined}"));
        var parts = policy.Split(':');
        var violations = PodSecurityEvaluator.Evaluate(new Policy(Policy.ParseLevel(parts[0])!.Value, PolicyVersion.Parse(parts[1])!.Value), pod.Metadata, pod.Spec);
        Assert.Equal(expected, string.Join(", ", violations.Select(v => v.Detail)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Verdicts(string policy, string spec, string container, string expected) =>
        Assert.Equal(expected, Evaluate(policy, spec, container));

    private const string Namespaced = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: team
          labels:
            pod-security.kubernetes.io/enforce: restricted
            pod-security.kubernetes.io/warn: baseline
            pod-security.kubernetes.io/warn-version: v1.30
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: team}
        spec:
          hostUsers: false
          containers:
          - name: app
            image: img
            securityContext: {privileged: true}
        """;

    [Fact]
    public void EnforceFromTheNamespaceLabelsInTheSameFile()
    {
        var manifest = ManifestReader.Read(Namespaced, "m.yaml");
        var result = new PodSecurityAdmission(new PodSecurityConfig(), manifest.Namespaces).Admit(manifest.Pods[0]);
        Assert.False(result.Allowed);
        Assert.StartsWith("pods \"web\" is forbidden: violates PodSecurity \"restricted:latest\": privileged (container \"app\" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (", result.Error);
        Assert.Null(result.Warning); // refused anyway: no warning, as admission.go
    }

    [Fact]
    public void WarnAndAuditFromDefaults()
    {
        var manifest = ManifestReader.Read(Yaml.Pod(container: "securityContext: {privileged: true}"), "m.yaml");
        var config = new PodSecurityConfig { Defaults = new PodSecurityDefaults { Warn = "baseline", Audit = "baseline", AuditVersion = "v1.30" } };
        var result = new PodSecurityAdmission(config, manifest.Namespaces).Admit(manifest.Pods[0]);
        Assert.True(result.Allowed);
        Assert.Equal("Warning: would violate PodSecurity \"baseline:latest\": privileged (container \"app\" must not set securityContext.privileged=true)", result.Warning);
        Assert.Equal("would violate PodSecurity \"baseline:v1.30\": privileged (container \"app\" must not set securityContext.privileged=true)", result.AuditViolations);
        var log = Path.Combine(Path.GetTempPath(), $"sublet-audit-{Guid.NewGuid():N}", "audit.log");
        AuditLog.Append(log, result, DateTimeOffset.UnixEpoch);
        Assert.Equal("{\"time\":\"1970-01-01T00:00:00.000Z\",\"namespace\":\"default\",\"pod\":\"web\",\"policy\":\"baseline:v1.30\",\"annotations\":{\"pod-security.kubernetes.io/audit-violations\":\"would violate PodSecurity \\u0022baseline:v1.30\\u0022: privileged (container \\u0022app\\u0022 must not set securityContext.privileged=true)\"}}\n",
            File.ReadAllText(log));
        Directory.Delete(Path.GetDirectoryName(log)!, true);
    }

    [Fact]
    public void ExemptNamespacesAreNotEvaluated()
    {
        var manifest = ManifestReader.Read(Namespaced, "m.yaml");
        var config = new PodSecurityConfig { Exemptions = new PodSecurityExemptions { Namespaces = ["team"] } };
        var result = new PodSecurityAdmission(config, manifest.Namespaces).Admit(manifest.Pods[0]);
        Assert.Equal("namespace", result.ExemptBy);
        Assert.True(result.Allowed);
    }

    [Fact]
    public void AnInvalidLabelFailsClosed()
    {
        var manifest = ManifestReader.Read(Namespaced.Replace("enforce: restricted", "enforce: strict"), "m.yaml");
        var result = new PodSecurityAdmission(new PodSecurityConfig(), manifest.Namespaces).Admit(manifest.Pods[0]);
        Assert.Equal("restricted:latest", result.Enforce!.Policy.ToString());
        Assert.Contains("pod-security.kubernetes.io/enforce: Invalid value: \"strict\": must be one of privileged, baseline, restricted", result.LabelErrors);
    }
}
