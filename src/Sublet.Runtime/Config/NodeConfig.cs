namespace Sublet.Runtime.Config;

/// <summary>Node configuration (/etc/sublet/config.yaml). Defaults apply to anything the file leaves out.</summary>
public sealed record NodeConfig
{
    public const string DefaultPath = "/etc/sublet/config.yaml";

    public string StateRoot { get; init; } = "/var/lib/sublet";
    public string RunRoot { get; init; } = "/run/sublet";
    public OciRuntimeConfig OciRuntime { get; init; } = new();
    public UserNamespacesConfig UserNamespaces { get; init; } = new();

    /// <summary>Kubelet <c>maxPods</c> (default 110): the host ID pool must hold this many ranges.</summary>
    public int MaxPods { get; init; } = 110;

    /// <summary>Where the kubelet-style subordinate ID files are read (tests point them elsewhere).</summary>
    public string SubUidPath { get; init; } = "/etc/subuid";
    public string SubGidPath { get; init; } = "/etc/subgid";

    public string ConmonPath { get; init; } = "/usr/bin/conmon";
    public string PauseBinary { get; init; } = "/usr/bin/catatonit";

    /// <summary>Where Localhost seccomp profiles are read from (kubelet: &lt;root-dir&gt;/seccomp); null = &lt;stateRoot&gt;/seccomp.</summary>
    public string? SeccompProfileRoot { get; init; }

    /// <summary>KubeletConfiguration <c>allowedUnsafeSysctls</c>: namespaced sysctls beyond the safe set that pods may set ("net.core.*" style prefixes allowed).</summary>
    public string[] AllowedUnsafeSysctls { get; init; } = [];
}

public sealed record OciRuntimeConfig
{
    /// <summary><c>runc</c> (default) or <c>crun</c>.</summary>
    public string Name { get; init; } = "runc";

    /// <summary>Binary; empty = looked up on PATH by name.</summary>
    public string? Path { get; init; }
}

public sealed record UserNamespacesConfig
{
    /// <summary>KubeletConfiguration <c>userNamespaces.idsPerPod</c>: host IDs per pod, a multiple of 65536.</summary>
    public long IdsPerPod { get; init; } = 65536;
}
