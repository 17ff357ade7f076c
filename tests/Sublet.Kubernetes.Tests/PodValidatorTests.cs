using Sublet.Kubernetes.Validation;

namespace Sublet.Kubernetes.Tests;

/// <summary>Messages as kube-apiserver prints them (pkg/apis/core/validation/validation_test.go and a live 1.36 server).</summary>
public class PodValidatorTests
{
    private static IReadOnlyList<string> Errors(string yaml, FeatureGates? gates = null) =>
        PodValidator.Validate(Yaml.ReadPod(yaml), gates).Select(e => e.ToString()).ToList();

    [Fact]
    public void AValidPodHasNoErrors() => Assert.Empty(Errors(Yaml.Pod(spec: "hostUsers: false")));

    public static TheoryData<string, string, string> Cases => new()
    {
        { "hostUsers: false\nhostNetwork: true", "", "spec.hostNetwork: Forbidden: when `hostUsers` is false" },
        { "hostUsers: false\nhostPID: true", "", "spec.HostPID: Forbidden: when `hostUsers` is false" },
        { "hostUsers: false\nhostIPC: true", "", "spec.HostIPC: Forbidden: when `hostUsers` is false" },
        { "hostUsers: false", "volumeDevices:\n- {name: d, devicePath: /dev/xvda}", "spec.containers[0].volumeDevices: Forbidden: when `hostUsers` is false" },
        { "", "securityContext: {procMount: Unmasked}", "spec.containers[0].securityContext.procMount: Invalid value: \"Unmasked\": `hostUsers` must be false to use `Unmasked`" },
        { "", "securityContext: {procMount: Odd}", "spec.containers[0].securityContext.procMount: Unsupported value: \"Odd\": supported values: \"Default\", \"Unmasked\"" },
        { "restartPolicy: Sometimes", "", "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"" },
        { "", "env:\n- {name: A=B, value: x}", "spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='" },
        { "", "ports:\n- {containerPort: 70000}", "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive" },
        { "", "ports:\n- {containerPort: 80, name: http}\n- {containerPort: 81, name: http}", "spec.containers[0].ports[1].name: Duplicate value: \"http\"" },
        { "", "ports:\n- {containerPort: 80, name: Http}", "spec.containers[0].ports[0].name: Invalid value: \"Http\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)" },
        { "", "ports:\n- {containerPort: 80, protocol: ICMP}", "spec.containers[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"" },
        { "", "volumeMounts:\n- {name: data, mountPath: /data}", "spec.containers[0].volumeMounts[0].name: Not found: \"data\"" },
        { "", "resources:\n  requests: {cpu: \"2\"}\n  limits: {cpu: \"1\"}", "spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1" },
        { "", "resources:\n  requests: {example.com/gpu: \"1\"}\n  limits: {example.com/gpu: \"2\"}", "spec.containers[0].resources.requests: Invalid value: \"1\": must be equal to example.com/gpu limit of 2" },
        { "", "resources:\n  limits: {gpu: \"1\"}", "spec.containers[0].resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource for containers" },
        { "", "livenessProbe: {periodSeconds: 5}", "spec.containers[0].livenessProbe: Required value: must specify a handler type" },
        { "", "livenessProbe: {exec: {command: [true]}, tcpSocket: {port: 80}}", "spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type" },
        { "", "livenessProbe: {exec: {command: [true]}, successThreshold: 2}", "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1" },
        { "", "readinessProbe: {exec: {command: [true]}, terminationGracePeriodSeconds: 5}", "spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set for readinessProbes" },
        { "", "securityContext: {runAsUser: -1}", "spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive" },
        { "", "securityContext: {seccompProfile: {type: Localhost}}", "spec.containers[0].securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost" },
        { "volumes:\n- {name: v}", "", "spec.volumes[0]: Required value: must specify a volume type" },
        { "volumes:\n- {name: v, emptyDir: {}, hostPath: {path: /tmp}}", "", "spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type" },
        { "volumes:\n- {name: v, emptyDir: {}}\n- {name: v, emptyDir: {}}", "", "spec.volumes[1].name: Duplicate value: \"v\"" },
        { "volumes:\n- {name: V, emptyDir: {}}", "", "spec.volumes[0].name: Invalid value: \"V\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')" },
        { "volumes:\n- {name: v, configMap: {}}", "", "spec.volumes[0].configMap.name: Required value" },
        { "initContainers:\n- {name: app, image: img}", "", "spec.initContainers[0].name: Duplicate value: \"app\"" },
        { "initContainers:\n- {name: i, image: img, readinessProbe: {exec: {command: [x]}}}", "", "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always" },
        { "", "envFrom:\n- {prefix: X_}", "spec.containers[0].envFrom: Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`" },
        { "", "env:\n- {name: A, value: x, valueFrom: {fieldRef: {fieldPath: metadata.name}}}", "spec.containers[0].env[0].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty" },
        { "dnsPolicy: Custom", "", "spec.dnsPolicy: Unsupported value: \"Custom\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"" },
        { "securityContext:\n  sysctls:\n  - {name: kernel.shm_rmid_forced, value: \"0\"}\n  - {name: kernel.shm_rmid_forced, value: \"1\"}", "", "spec.securityContext.sysctls[1].name: Duplicate value: \"kernel.shm_rmid_forced\"" },
        { "", "securityContext: {privileged: true, allowPrivilegeEscalation: false}", "spec.containers[0].securityContext: Invalid value: \"\": cannot set `allowPrivilegeEscalation` to false and `privileged` to true" },
        { "tolerations:\n- {operator: Equal, value: x}", "", "spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\"" },
        { "tolerations:\n- {key: k, operator: Exists, effect: NoSchedule, tolerationSeconds: 5}", "", "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set" },
        { "dnsPolicy: None\ndnsConfig: {searches: [example.com]}", "", "spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None" },
        { "hostAliases:\n- {ip: 300.1.1.1, hostnames: [a]}", "", "spec.hostAliases[0].ip: Invalid value: \"300.1.1.1\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)" },
        { "nodeSelector: {\"bad key\": x}", "", "spec.nodeSelector: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void UpstreamMessages(string spec, string container, string expected) =>
        Assert.Contains(expected, Errors(Yaml.Pod(spec: spec, container: container)));

    [Fact]
    public void VolumeDevicesNeedAClaimAndAUserNamespaceForbidsThem() => Assert.Equal(
        [
            "spec.containers[0].volumeDevices[0].name: Not found: \"d\"",
            "spec.containers[0].volumeDevices: Forbidden: when `hostUsers` is false",
        ],
        Errors(Yaml.Pod(spec: "hostUsers: false", container: "volumeDevices:\n- {name: d, devicePath: /dev/xvda}")));

    [Fact]
    public void HostNetworkWithUserNamespaceNeedsTheGate()
    {
        var yaml = Yaml.Pod(spec: "hostUsers: false\nhostNetwork: true");
        var gates = FeatureGates.From(new Dictionary<string, bool> { [FeatureGates.UserNamespacesHostNetworkSupport] = true }, new List<string>());
        Assert.Empty(Errors(yaml, gates));
    }

    [Fact]
    public void UnmaskedProcMountIsValidInAUserNamespace() =>
        Assert.Empty(Errors(Yaml.Pod(spec: "hostUsers: false", container: "securityContext: {procMount: Unmasked}")));

    [Fact]
    public void NamesAndLabels()
    {
        var errors = Errors("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: Web
              labels: {"a/b/c": x, ok: "-bad"}
            spec:
              containers:
              - {name: A, image: img}
              - {name: A, image: img}
            """);
        Assert.Equal(
        [
            "metadata.name: Invalid value: \"Web\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            "metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
            "metadata.labels: Invalid value: \"-bad\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
            "spec.containers[0].name: Invalid value: \"A\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            "spec.containers[1].name: Invalid value: \"A\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            "spec.containers[1].name: Duplicate value: \"A\"",
        ], errors);
    }

    [Fact]
    public void KubectlRendersSeveralErrorsAsAList()
    {
        var errors = PodValidator.Validate(Yaml.ReadPod(Yaml.Pod(spec: "hostUsers: false\nhostPID: true\nhostIPC: true")));
        Assert.Equal("The Pod \"web\" is invalid: \n* spec.HostPID: Forbidden: when `hostUsers` is false\n* spec.HostIPC: Forbidden: when `hostUsers` is false",
            FieldErrors.Describe("Pod", "web", errors));
    }
}
