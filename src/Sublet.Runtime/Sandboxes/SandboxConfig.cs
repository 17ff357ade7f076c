using Sublet.IdMapping;

namespace Sublet.Runtime.Sandboxes;

/// <summary>Who made a sandbox: <c>sublet play</c> or a CRI client. CRI's list calls show only their own (issue 20 item 9).</summary>
public enum Owner
{
    Play,
    Cri,

    /// <summary><c>sublet selftest</c>'s probe pods.</summary>
    Selftest,
}

/// <summary>Where a sandbox's network, PID or IPC namespace comes from (CRI NamespaceMode without TARGET).</summary>
public enum NamespaceScope
{
    /// <summary>One namespace for the pod, held by the sandbox's pause process.</summary>
    Pod,

    /// <summary>Each container its own (PID only).</summary>
    Container,

    /// <summary>The host's.</summary>
    Node,
}

/// <summary>The pod's /etc/resolv.conf settings (CRI DNSConfig); all empty = the node's file.</summary>
public sealed record DnsSettings(IReadOnlyList<string> Servers, IReadOnlyList<string> Searches, IReadOnlyList<string> Options)
{
    public static DnsSettings None { get; } = new([], [], []);

    public bool IsEmpty => Servers.Count == 0 && Searches.Count == 0 && Options.Count == 0;
}

/// <summary>
/// A sandbox to run, with every value final (the front end decided them): the runtime applies it
/// and decides nothing about Kubernetes semantics. CRI maps PodSandboxConfig onto it; <c>play</c>'s
/// kubelet half will build it from a Pod manifest.
/// </summary>
public sealed record SandboxConfig
{
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    public required string Uid { get; init; }
    public uint Attempt { get; init; }
    /// <summary>The pod's hostname; empty = the node's (the UTS namespace is then not given a name).</summary>
    public required string Hostname { get; init; }

    /// <summary>Where the containers' logs go when their <see cref="ContainerConfig.LogPath"/> is relative (CRI log_directory); null = Sublet's own.</summary>
    public string? LogDirectory { get; init; }

    public DnsSettings Dns { get; init; } = DnsSettings.None;
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>The cgroup the pod's containers go under (cgroupfs path); null = Sublet's own per-sandbox parent.</summary>
    public string? CgroupParent { get; init; }

    /// <summary>
    /// The pod-level cgroup settings (CRI LinuxPodSandboxConfig.resources), written to the pod's
    /// cgroup before anything joins it when Sublet makes that cgroup (no <see cref="CgroupParent"/>);
    /// a kubelet that names its own parent has set them there.
    /// </summary>
    public Oci.PodCgroupSettings? PodCgroup { get; init; }

    /// <summary>The pod's user namespace: container ID 0 → host ID Start, Length IDs, for UIDs and GIDs alike; null = the node's.</summary>
    public IdRange? UserNamespace { get; init; }

    public NamespaceScope Network { get; init; } = NamespaceScope.Pod;
    public NamespaceScope Pid { get; init; } = NamespaceScope.Container;
    public NamespaceScope Ipc { get; init; } = NamespaceScope.Pod;

    /// <summary>
    /// Some container of the pod is privileged (CRI LinuxSandboxSecurityContext.privileged, which the
    /// kubelet sets when any container is): the pause then holds a writable sysfs, see <see cref="CoreSpecs"/>.
    /// </summary>
    public bool Privileged { get; init; }

    /// <summary>Namespaced sysctls, set once in the pod's namespaces by the sandbox.</summary>
    public IReadOnlyDictionary<string, string> Sysctls { get; init; } = new Dictionary<string, string>();

    /// <summary>CRI port_mappings: those with a host port are set up by the network's portmap plugin.</summary>
    public IReadOnlyList<Network.PortMapping> PortMappings { get; init; } = [];

    public Owner Owner { get; init; } = Owner.Cri;
}
