namespace Sublet.Runtime.Plan;

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
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
    public required IReadOnlyList<ContainerPlan> Containers { get; init; }

    /// <summary><c>spec.initContainers</c>, in order; those with <see cref="ContainerPlan.Sidecar"/> keep running (native sidecars).</summary>
    public IReadOnlyList<ContainerPlan> InitContainers { get; init; } = [];

    /// <summary><c>spec.shareProcessNamespace</c>: one PID namespace, held by the sandbox, for every container.</summary>
    public bool ShareProcessNamespace { get; init; }

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

    public IReadOnlyList<EnvVar> Env { get; init; } = [];
    public string? WorkingDir { get; init; }
    public long? RunAsUser { get; init; }
    public long? RunAsGroup { get; init; }
    public bool Tty { get; init; }

    /// <summary>An init container with <c>restartPolicy: Always</c> (KEP-753 native sidecar).</summary>
    public bool Sidecar { get; init; }
}

public sealed record EnvVar(string Name, string Value);
