
namespace Sublet.Runtime.Sandboxes;

/// <summary>
/// One bind mount of a container (CRI Mount). <paramref name="Idmapped"/>: Sublet idmaps the host
/// path into the pod's user namespace (CRI sets uid_mappings/gid_mappings on every mount of a
/// user-namespaced pod; they can only be the pod's own mapping, which Sublet applies itself).
/// </summary>
public sealed record MountSpec(string ContainerPath, string HostPath, bool ReadOnly, MountPropagation Propagation, bool Idmapped)
{
    /// <summary>
    /// nosuid on the bind (and on its idmapped clone): set-ID bits and file capabilities count for
    /// nothing there. Not a CRI field: Sublet's own files (/etc, termination log) and play's
    /// projected volumes ask for it, since nothing in them is meant to run.
    /// </summary>
    public bool NoSuid { get; init; }

    /// <summary>nodev on the bind: device nodes there can't be opened. Not a CRI field: play asks it for every volume.</summary>
    public bool NoDev { get; init; }

    /// <summary>
    /// The idmapped clone honours set-ID bits although the host path is nosuid. Not a CRI field:
    /// play's emptyDirs live on the state root's nosuid mount, which Sublet made nosuid for the
    /// host's sake; through the idmap a set-ID file there only ever acts as one of the pod's own
    /// host IDs, so the pod gets the kubelet's emptyDir semantics (set-ID bits work).
    /// </summary>
    public bool SetIdHonoured { get; init; }
}

/// <summary>
/// A host device to expose (CRI Device): <paramref name="HostPath"/> a device node or a directory of
/// them, at <paramref name="ContainerPath"/>, with cgroup access <paramref name="Permissions"/>
/// (a combination of r, w and m).
/// </summary>
public sealed record DeviceSpec(string ContainerPath, string HostPath, string Permissions);

/// <summary>A container's cgroup settings as the kubelet computed them (CRI LinuxContainerResources); 0 = unset.</summary>
public sealed record LinuxResources
{
    public long CpuPeriod { get; init; }
    public long CpuQuota { get; init; }
    public long CpuShares { get; init; }
    public long MemoryLimitBytes { get; init; }
    public long OomScoreAdj { get; init; }
    public string CpusetCpus { get; init; } = "";
    public string CpusetMems { get; init; } = "";
}

/// <summary>A container's process security, final (CRI LinuxContainerSecurityContext).</summary>
public sealed record ProcessSecurity
{
    public bool Privileged { get; init; }
    public IReadOnlyList<string> AddCapabilities { get; init; } = [];
    public IReadOnlyList<string> DropCapabilities { get; init; } = [];
    public long? RunAsUser { get; init; }
    public string? RunAsUsername { get; init; }
    public long? RunAsGroup { get; init; }
    public IReadOnlyList<long> SupplementalGroups { get; init; } = [];

    /// <summary>Merge: the image's groups for the user too; Strict: only the ones given (KEP-3619).</summary>
    public SupplementalGroupsPolicy SupplementalGroupsPolicy { get; init; } = SupplementalGroupsPolicy.Merge;
    public bool ReadOnlyRootfs { get; init; }
    public bool NoNewPrivileges { get; init; }
    public SeccompProfile Seccomp { get; init; } = SeccompProfile.Unconfined;

    /// <summary>procMount Unmasked: no masked or read-only /proc paths, so nested containers can mount their own /proc (KEP-4265).</summary>
    public bool UnmaskedProc { get; init; }

    /// <summary>Paths to mask and to make read-only; null = the runtime's defaults (CRI sends them explicitly; an empty list means none).</summary>
    public IReadOnlyList<string>? MaskedPaths { get; init; }
    public IReadOnlyList<string>? ReadonlyPaths { get; init; }
}

/// <summary>A container to create in a sandbox, every value final (CRI ContainerConfig).</summary>
public sealed record ContainerConfig
{
    public required string Name { get; init; }
    public uint Attempt { get; init; }

    /// <summary>The image as the client named it; the runtime resolves it in its store.</summary>
    public required string Image { get; init; }
    public IReadOnlyList<string> Command { get; init; } = [];
    public IReadOnlyList<string> Args { get; init; } = [];
    public string WorkingDir { get; init; } = "";
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];
    public IReadOnlyList<MountSpec> Mounts { get; init; } = [];
    public IReadOnlyList<DeviceSpec> Devices { get; init; } = [];

    /// <summary>The log file, absolute (the front end joined the sandbox's log directory); null = Sublet's own under the state root.</summary>
    public string? LogPath { get; init; }

    public bool Stdin { get; init; }
    public bool StdinOnce { get; init; }
    public bool Tty { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
    public ProcessSecurity Security { get; init; } = new();
    public LinuxResources Resources { get; init; } = new();

    /// <summary>The signal StopContainer sends first (CRI stop_signal, else the image's STOPSIGNAL, else SIGTERM).</summary>
    public string? StopSignal { get; init; }
}

/// <summary>
/// What an in-process front end (<c>play</c>) asks of CreateContainer beyond CRI's
/// ContainerConfig, the way a kubelet's wiring would: the container's ID and conmon's exit command.
/// </summary>
public sealed record CreateOptions
{
    /// <summary>The container's ID (play chooses one with <see cref="RuntimeCore.NewId"/> before it records the attempt); null = a new random one (<see cref="RuntimeCore.NewId"/>).</summary>
    public string? Id { get; init; }

    /// <summary>conmon's --exit-command, run with the container's ID appended when it ends (play's restart policy); null = none.</summary>
    public Monitor.ExitHook? ExitHook { get; init; }
}

/// <summary>A bind's propagation (CRI Mount.propagation: PROPAGATION_PRIVATE, _HOST_TO_CONTAINER, _BIDIRECTIONAL; core/v1 MountPropagationMode).</summary>
public enum MountPropagation
{
    None,
    HostToContainer,
    Bidirectional,
}
