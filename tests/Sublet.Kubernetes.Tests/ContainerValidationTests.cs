using static Sublet.Kubernetes.Tests.ValidationCases;

namespace Sublet.Kubernetes.Tests;

/// <summary>Security contexts, lifecycle handlers and ports, each case the API server's complete error list.</summary>
public class ContainerValidationTests
{
    public static TheoryData<string, string, string[]> Cases => new()
    {
        { "", "securityContext: {seccompProfile: {}}", ["spec.containers[0].securityContext.seccompProfile.type: Required value: type is required when seccompProfile is set"] },
        { "", "securityContext: {seccompProfile: {type: RuntimeDefault, localhostProfile: p.json}}",
            ["spec.containers[0].securityContext.seccompProfile.localhostProfile: Invalid value: core.SeccompProfile{Type:\"RuntimeDefault\", LocalhostProfile:(*string)(0xc000000000)}: can only be set when seccomp type is Localhost"] },
        { "", "securityContext: {appArmorProfile: {type: Localhost, localhostProfile: \" p\"}}",
            ["spec.containers[0].securityContext.appArmorProfile.localhostProfile: Invalid value: \" p\": must not be padded with whitespace"] },
        { "", "securityContext: {appArmorProfile: {type: Unconfined, localhostProfile: p}}",
            ["spec.containers[0].securityContext.appArmorProfile.localhostProfile: Invalid value: \"p\": can only be set when AppArmor type is Localhost"] },
        { "", "securityContext: {appArmorProfile: {}}", ["spec.containers[0].securityContext.appArmorProfile.type: Required value: type is required when appArmorProfile is set"] },
        { "shareProcessNamespace: true\nhostPID: true", "", ["spec.securityContext.shareProcessNamespace: Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled"] },
        { "hostIPC: true\nsecurityContext:\n  sysctls: [{name: kernel.shm_rmid_forced, value: \"1\"}, {name: kernel.shm_rmid_forced, value: \"1\"}]", "",
            ["spec.securityContext.sysctls[0].name: Invalid value: \"kernel.shm_rmid_forced\": may not be specified when 'hostIPC' is true",
             "spec.securityContext.sysctls[1].name: Duplicate value: \"kernel.shm_rmid_forced\"",
             "spec.securityContext.sysctls[1].name: Invalid value: \"kernel.shm_rmid_forced\": may not be specified when 'hostIPC' is true"] },
        // Duplicates are by the name as written.
        { "securityContext:\n  sysctls: [{name: kernel/shm_rmid_forced, value: \"1\"}, {name: kernel.shm_rmid_forced, value: \"1\"}]", "", [] },
        // Sleep actions: 0 up to terminationGracePeriodSeconds (30 when unset), reported at "sleep".
        { "", "lifecycle: {preStop: {sleep: {seconds: 40}}}", ["spec.containers[0].lifecycle.preStop.sleep: Invalid value: 40: must be non-negative and less than terminationGracePeriodSeconds (30)"] },
        { "terminationGracePeriodSeconds: 60", "lifecycle: {preStop: {sleep: {seconds: 0}}, postStart: {sleep: {seconds: 40}}}", [] },
        { "", "livenessProbe: {exec: {command: [true]}, successThreshold: -1}",
            ["spec.containers[0].livenessProbe.successThreshold: Invalid value: -1: must be greater than or equal to 0", "spec.containers[0].livenessProbe.successThreshold: Invalid value: -1: must be 1"] },
        { "", "readinessProbe: {exec: {command: [true]}, terminationGracePeriodSeconds: 0}",
            ["spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 0: must be greater than 0", "spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 0: must not be set for readinessProbes"] },
        // Host ports: protocol/hostIP/port once per pod; with hostNetwork a set hostPort equals containerPort.
        { "", "ports: [{containerPort: 80, hostPort: 8080}, {containerPort: 81, hostPort: 8080}]", ["spec.containers[0].ports[1].hostPort: Duplicate value: \"TCP//8080\""] },
        { "hostNetwork: true", "ports: [{containerPort: 80, hostPort: 8080}]", ["spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true"] },
        // Requests of a resource that cannot be overcommitted need a limit.
        { "", "resources: {requests: {example.com/gpu: \"1\"}}", ["spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources"] },
        { "", "resources: {limits: {gpu: \"1\", pods: \"1\"}}",
            ["spec.containers[0].resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource type or fully qualified",
             "spec.containers[0].resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource for containers",
             "spec.containers[0].resources.limits[pods]: Invalid value: \"pods\": must be a standard resource for containers"] },
        { "", "resources: {limits: {example.com/gpu: 500m}, requests: {example.com/gpu: 500m}}",
            ["spec.containers[0].resources.limits[example.com/gpu]: Invalid value: \"500m\": must be an integer",
             "spec.containers[0].resources.requests[example.com/gpu]: Invalid value: \"500m\": must be an integer"] },
        { "", "securityContext: {windowsOptions: {runAsUserName: x}}", [] },
        { "ephemeralContainers:\n- {name: debug, image: busybox}", "", ["spec.ephemeralContainers: Forbidden: cannot be set on create"] },
        // Container restart rules (ContainerRestartRules, beta since 1.35; RestartAllContainers, beta in 1.36).
        { "", "restartPolicy: Never\nrestartPolicyRules: [{action: Restart, exitCodes: {operator: In, values: [42]}}]", [] },
        { "", "restartPolicyRules: [{action: Reboot}]",
            ["spec.containers[0].restartPolicy: Required value: must specify restartPolicy when restart rules are used",
             "spec.containers[0].restartPolicyRules[0].action: Unsupported value: \"Reboot\": supported values: \"Restart\", \"RestartAllContainers\"",
             "spec.containers[0].restartPolicyRules[0].exitCodes: Required value: must be specified"] },
        { "", "restartPolicy: Sometimes", ["spec.containers[0].restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\", \"OnFailure\""] },
        { "initContainers:\n- {name: init, image: img, restartPolicy: OnFailure, restartPolicyRules: [{action: Restart, exitCodes: {operator: Is, values: [1]}}]}", "",
            ["spec.initContainers[0].restartPolicyRules[0].exitCodes.operator: Unsupported value: \"Is\": supported values: \"In\", \"NotIn\""] },
        // Pod-level resources: cpu, memory and hugepages; requests cover the containers, limits bound them.
        { "resources: {requests: {cpu: 500m, example.com/gpu: \"1\"}, limits: {cpu: \"1\", memory: 1Gi}}", "resources: {requests: {cpu: 300m}, limits: {memory: 2Gi}}",
            ["spec.resources.requests[example.com/gpu]: Unsupported value: \"example.com/gpu\": supported values: \"cpu\", \"hugepages-\", \"memory\"",
             "spec.resources.limits: Required value: Limit must be set for non overcommitable resources",
             "spec.resources.containers[0][memory].limits: Invalid value: \"2Gi\": must be less than or equal to pod limits of 1Gi"] },
        { "initContainers:\n- {name: side, image: img, restartPolicy: Always, resources: {requests: {cpu: 300m}}}\nresources: {requests: {cpu: 500m}}", "resources: {requests: {cpu: 300m}}",
            ["spec.resources.requests[cpu]: Invalid value: \"500m\": must be greater than or equal to aggregate container requests of 600m"] },
        { "os: {name: linux}", "securityContext: {windowsOptions: {runAsUserName: x}}", ["spec.containers[0].securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod"] },
        { "", "livenessProbe: {httpGet: {port: 80, httpHeaders: [{name: \"X Bad\", value: v}]}}",
            ["spec.containers[0].livenessProbe.httpGet.httpHeaders: Invalid value: \"X Bad\": a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"] },
        { "restartPolicy: Never", "resizePolicy: [{resourceName: cpu, restartPolicy: RestartContainer}, {resourceName: cpu, restartPolicy: NotRequired}, {resourceName: gpu, restartPolicy: Later}]",
            ["spec.containers[0].resizePolicy: Invalid value: \"RestartContainer\": must be 'NotRequired' when pod `restartPolicy` is 'Never'",
             "spec.containers[0].resizePolicy[1]: Duplicate value: \"cpu\"",
             "spec.containers[0].resizePolicy: Unsupported value: \"gpu\": supported values: \"cpu\", \"memory\"",
             "spec.containers[0].resizePolicy: Unsupported value: \"Later\": supported values: \"NotRequired\", \"RestartContainer\"",
             "spec.containers[0].resizePolicy: Invalid value: \"Later\": must be 'NotRequired' when pod `restartPolicy` is 'Never'"] },
        { "initContainers:\n- name: init\n  image: img\n  resizePolicy: [{resourceName: memory, restartPolicy: RestartContainer}]", "",
            ["spec.initContainers[0].resizePolicy[0].restartPolicy: Invalid value: \"RestartContainer\": must not be set to 'RestartContainer' for non-sidecar initContainers"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ContainerFields(string spec, string container, string[] expected) => Assert.Equal(expected, Errors(spec, container));

    /// <summary>Whitespace around an image is a pod-only check, reported after everything ValidatePodSpec found.</summary>
    [Fact]
    public void ImageWhitespaceComesLast()
    {
        var yaml = Yaml.Pod(spec: "volumes:\n- {name: V, emptyDir: {}}").Replace("image: localhost/busybox:demo", "image: \" img\"");
        Assert.Equal(
            [$"spec.volumes[0].name: Invalid value: \"V\": {Label}", "spec.containers[0].image: Invalid value: \" img\": must not have leading or trailing whitespace"],
            Validation.PodValidator.Validate(Yaml.ReadPod(yaml)).Select(e => e.ToString()));
    }

    public static TheoryData<string, string[]> Annotations => new()
    {
        { "controller.kubernetes.io/pod-deletion-cost: \"+10\"", ["metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: Invalid value: \"+10\": must be a 32bit integer"] },
        { "controller.kubernetes.io/pod-deletion-cost: \"-25\"", [] },
        { "seccomp.security.alpha.kubernetes.io/pod: default", ["metadata.annotations.seccomp.security.alpha.kubernetes.io/pod: Invalid value: \"default\": must be a valid seccomp profile"] },
        { "container.apparmor.security.beta.kubernetes.io/other: runtime/default", ["metadata.annotations[container.apparmor.security.beta.kubernetes.io/other]: Invalid value: \"other\": container not found"] },
        { "container.apparmor.security.beta.kubernetes.io/app: strict", ["metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]: Invalid value: \"strict\": invalid AppArmor profile name: \"strict\""] },
    };

    [Theory]
    [MemberData(nameof(Annotations))]
    public void PodAnnotations(string annotation, string[] expected)
    {
        var yaml = Yaml.Pod().Replace("  name: web\n", $"  name: web\n  annotations: {{{annotation}}}\n");
        Assert.Equal(expected, Validation.PodValidator.Validate(Yaml.ReadPod(yaml)).Select(e => e.ToString()));
    }
}
