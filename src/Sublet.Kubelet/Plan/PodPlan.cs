using Sublet.Runtime.Network;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Kubelet.Plan;

/// <summary>
/// What to run: the one contract between the front ends (Pod manifests for <c>play</c>, CRI
/// requests for <c>serve</c>) and the runtime. Plain data; every decision about Kubernetes
/// semantics has been made before a plan exists.
/// </summary>
public sealed record PodPlan
{
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    public required string Uid { get; init; }

    /// <summary>False = the pod gets its own user namespace (<c>spec.hostUsers: false</c>).</summary>
    public bool HostUsers { get; init; } = true;

    public RestartPolicy RestartPolicy { get; init; } = RestartPolicy.Always;
    public long TerminationGracePeriodSeconds { get; init; } = 30;
    public string? Hostname { get; init; }

    /// <summary><c>spec.subdomain</c>: the pod's /etc/hosts also names it hostname.subdomain.namespace.svc.clusterDomain.</summary>
    public string? Subdomain { get; init; }

    /// <summary><c>spec.hostAliases</c>, in order, appended to the pod's /etc/hosts.</summary>
    public IReadOnlyList<HostAlias> HostAliases { get; init; } = [];

    /// <summary><c>spec.dnsPolicy</c> and <c>spec.dnsConfig</c>, for the pod's /etc/resolv.conf.</summary>
    public DnsPlan Dns { get; init; } = new();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
    public required IReadOnlyList<ContainerPlan> Containers { get; init; }

    /// <summary><c>spec.initContainers</c>, in order; those with <see cref="ContainerPlan.Sidecar"/> keep running (native sidecars).</summary>
    public IReadOnlyList<ContainerPlan> InitContainers { get; init; } = [];

    /// <summary><c>spec.volumes</c> (emptyDir and hostPath so far).</summary>
    public IReadOnlyList<VolumePlan> Volumes { get; init; } = [];

    /// <summary><c>spec.shareProcessNamespace</c>: one PID namespace, held by the sandbox, for every container.</summary>
    public bool ShareProcessNamespace { get; init; }

    /// <summary><c>spec.securityContext.sysctls</c>, in order, already checked against the node's allow-list; set in the sandbox's namespaces.</summary>
    public IReadOnlyList<Sysctl> Sysctls { get; init; } = [];

    /// <summary><c>spec.securityContext.fsGroup</c>: group of the files of volumes that support ownership management.</summary>
    public long? FsGroup { get; init; }

    /// <summary><c>spec.securityContext.fsGroupChangePolicy</c>: OnRootMismatch skips a volume whose root already fits.</summary>
    public bool FsGroupOnRootMismatch { get; init; }

    /// <summary>The pod's QoS class as the kubelet computes it (pkg/apis/core/v1/helper/qos GetPodQOS): Guaranteed, Burstable or BestEffort.</summary>
    public string QosClass { get; init; } = "BestEffort";

    /// <summary><c>spec.hostNetwork</c>: the pod joins the node's network and UTS namespaces; no pod network is set up.</summary>
    public bool HostNetwork { get; init; }

    /// <summary><c>containers[].ports</c> with a <c>hostPort</c>: reached on the node through the network's portmap plugin.</summary>
    public IReadOnlyList<PortMapping> PortMappings { get; init; } = [];

    /// <summary>Where the plan came from (a manifest file), for messages.</summary>
    public string? Source { get; init; }
}

public enum RestartPolicy
{
    Always,
    OnFailure,
    Never,
}

public enum PullPolicy
{
    IfNotPresent,
    Always,
    Never,
}

public sealed record ContainerPlan
{
    public required string Name { get; init; }
    public required string Image { get; init; }
    public PullPolicy PullPolicy { get; init; } = PullPolicy.IfNotPresent;

    /// <summary>Kubernetes <c>command</c>: replaces the image ENTRYPOINT when set.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Kubernetes <c>args</c>: replaces the image CMD when set.</summary>
    public IReadOnlyList<string>? Args { get; init; }

    /// <summary><c>command</c> and <c>args</c> as written, when they may refer to a pod-field variable (<see cref="EnvVar.Template"/>).</summary>
    public IReadOnlyList<string>? CommandTemplate { get; init; }

    /// <inheritdoc cref="CommandTemplate"/>
    public IReadOnlyList<string>? ArgsTemplate { get; init; }

    public IReadOnlyList<EnvVar> Env { get; init; } = [];
    public string? WorkingDir { get; init; }
    public long? RunAsUser { get; init; }
    public long? RunAsGroup { get; init; }
    public bool Tty { get; init; }

    /// <summary>Kubernetes <c>stdin</c>: conmon keeps the container's stdin open for attaching clients (<c>sublet attach</c>).</summary>
    public bool Stdin { get; init; }

    /// <summary>Kubernetes <c>stdinOnce</c>: the first attached client that ends its input closes the container's stdin.</summary>
    public bool StdinOnce { get; init; }

    /// <summary>An init container with <c>restartPolicy: Always</c> (KEP-753 native sidecar).</summary>
    public bool Sidecar { get; init; }

    /// <summary><c>volumeMounts</c>.</summary>
    public IReadOnlyList<VolumeMountPlan> VolumeMounts { get; init; } = [];

    /// <summary><c>lifecycle.postStart</c>: run right after the container starts; failing it kills the container.</summary>
    public LifecycleHook? PostStart { get; init; }

    /// <summary><c>lifecycle.preStop</c>: run before the stop signal, within the grace period.</summary>
    public LifecycleHook? PreStop { get; init; }

    /// <summary>The effective security context (container fields over pod fields), as the kubelet hands it to the runtime.</summary>
    public ContainerSecurity Security { get; init; } = new();

    /// <summary>The OOM score the kubelet would give (QoS class); null = inherit. The runtime may clamp it (see <c>HostLimits</c>).</summary>
    public int? OomScoreAdj { get; init; }

    /// <summary><c>resources</c> for cpu and memory; they become the container's cgroup settings.</summary>
    public ContainerResources Resources { get; init; } = ContainerResources.None;

    /// <summary><c>terminationMessagePath</c> (API default /dev/termination-log); null or empty = no file.</summary>
    public string? TerminationMessagePath { get; init; } = "/dev/termination-log";

    public TerminationMessagePolicy TerminationMessagePolicy { get; init; } = TerminationMessagePolicy.File;
}

/// <summary>
/// A container's security settings after the kubelet's merging of pod and container securityContext
/// (pkg/securitycontext DetermineEffectiveSecurityContext) and its CRI conversion.
/// </summary>
public sealed record ContainerSecurity
{
    public bool Privileged { get; init; }

    /// <summary>Capability names as in the manifest (<c>NET_ADMIN</c>, <c>ALL</c>), without the <c>CAP_</c> prefix.</summary>
    public IReadOnlyList<string> AddCapabilities { get; init; } = [];
    public IReadOnlyList<string> DropCapabilities { get; init; } = [];

    /// <summary><c>allowPrivilegeEscalation: false</c> (kubelet AddNoNewPrivileges: unset means privileges may escalate).</summary>
    public bool NoNewPrivileges { get; init; }

    public bool ReadOnlyRootFilesystem { get; init; }
    public bool RunAsNonRoot { get; init; }

    /// <summary>Pod-level <c>supplementalGroups</c>, added to the process's groups.</summary>
    public IReadOnlyList<long> SupplementalGroups { get; init; } = [];
    public SupplementalGroupsPolicy SupplementalGroupsPolicy { get; init; } = SupplementalGroupsPolicy.Merge;

    /// <summary>Unset in Kubernetes means Unconfined (kubelet <c>seccompDefault: false</c>).</summary>
    public SeccompProfile Seccomp { get; init; } = SeccompProfile.Unconfined;

    /// <summary><c>procMount: Unmasked</c>: no masked or read-only /proc paths (only with a user namespace).</summary>
    public bool UnmaskedProc { get; init; }
}

/// <param name="PodField">
/// <c>status.podIP</c> or <c>status.podIPs</c>: known only once the pod's network is up, so the
/// value is filled in when the container's spec is made (the kubelet resolves env at container start too).
/// </param>
/// <param name="Template">
/// The <c>value</c> as written, with its <c>$(VAR)</c> references, when the container has a
/// <see cref="PodField"/> variable it may refer to: expanded again then (<see cref="PodFieldExpansion"/>).
/// </param>
public sealed record EnvVar(string Name, string Value, string? PodField = null, string? Template = null)
{
    public const string PodIp = "status.podIP";
    public const string PodIps = "status.podIPs";

    /// <summary>The value with the pod's addresses in, for a <see cref="PodField"/> variable.</summary>
    public string Resolve(IReadOnlyList<string> podIps) => PodField switch
    {
        PodIp => podIps.FirstOrDefault() ?? "",
        PodIps => string.Join(",", podIps),
        _ => Value,
    };
}

/// <summary>A lifecycle handler: <c>exec</c> a command in the container, or <c>sleep</c> (KEP-3960).</summary>
public sealed record LifecycleHook(IReadOnlyList<string>? Exec, long? SleepSeconds);
