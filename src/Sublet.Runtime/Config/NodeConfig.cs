namespace Sublet.Runtime.Config;

/// <summary>Node configuration (/etc/sublet/config.yaml). Defaults apply to anything the file leaves out.</summary>
/// <remarks>
/// The records here have <c>set</c> accessors, not <c>init</c>: the configuration reader
/// (Sublet.Kubernetes ConfigReader) constructs each record with its defaults and sets only the keys
/// the file has. Code treats a loaded configuration as immutable and changes it only through <c>with</c>.
/// </remarks>
public sealed record NodeConfig
{
    public const string DefaultPath = "/etc/sublet/config.yaml";

    public string StateRoot { get; set; } = "/var/lib/sublet";
    public string RunRoot { get; set; } = "/run/sublet";
    public OciRuntimeConfig OciRuntime { get; set; } = new();
    public UserNamespacesConfig UserNamespaces { get; set; } = new();
    public RootfsConfig Rootfs { get; set; } = new();

    /// <summary>KubeletConfiguration <c>featureGates</c>: gate name → on/off; unknown names and locked gates are configuration errors.</summary>
    public Dictionary<string, bool>? FeatureGates { get; set; }

    /// <summary>Pod Security admission: node-wide defaults, exemptions and the audit log (PodSecurityConfiguration).</summary>
    public PodSecurityConfig PodSecurity { get; set; } = new();

    /// <summary>Kubelet <c>maxPods</c> (default 110): the host ID pool must hold this many ranges.</summary>
    public int MaxPods { get; set; } = 110;

    /// <summary>Where the kubelet-style subordinate ID files are read (tests point them elsewhere).</summary>
    public string SubUidPath { get; set; } = "/etc/subuid";
    public string SubGidPath { get; set; } = "/etc/subgid";

    public string ConmonPath { get; set; } = "/usr/bin/conmon";
    public string PauseBinary { get; set; } = "/usr/bin/catatonit";

    /// <summary>Where Localhost seccomp profiles are read from (kubelet: &lt;root-dir&gt;/seccomp); null = &lt;stateRoot&gt;/seccomp.</summary>
    public string? SeccompProfileRoot { get; set; }

    /// <summary>KubeletConfiguration <c>allowedUnsafeSysctls</c>: namespaced sysctls beyond the safe set that pods may set ("net.core.*" style prefixes allowed).</summary>
    public string[] AllowedUnsafeSysctls { get; set; } = [];

    /// <summary>KubeletConfiguration <c>clusterDomain</c>: pods with a subdomain are named hostname.subdomain.namespace.svc.DOMAIN in their /etc/hosts.</summary>
    public string ClusterDomain { get; set; } = "cluster.local";

    /// <summary>KubeletConfiguration <c>clusterDNS</c>: nameserver IPs for ClusterFirst pods; empty = none, and those pods fall back to Default with a warning.</summary>
    public string[] ClusterDns { get; set; } = [];

    /// <summary>KubeletConfiguration <c>resolvConf</c>: the node's resolver file pods with dnsPolicy Default start from; "" = a local resolver (127.0.0.1).</summary>
    public string ResolvConf { get; set; } = "/etc/resolv.conf";

    /// <summary>KubeletConfiguration <c>containerLogMaxSize</c>: a container's log is rotated once it reaches this size (a quantity, "10Mi").</summary>
    public string ContainerLogMaxSize { get; set; } = "10Mi";

    /// <summary>KubeletConfiguration <c>containerLogMaxFiles</c>: log files kept per container, the current one included (at least 2).</summary>
    public int ContainerLogMaxFiles { get; set; } = 5;

    /// <summary>KubeletConfiguration <c>containerLogMonitorInterval</c>: how often logs are checked for rotation (a duration, "10s").</summary>
    public string ContainerLogMonitorInterval { get; set; } = "10s";

    /// <summary>First restart back-off in seconds (kubelet: 10, doubling to 30× that). Lower it for tests.</summary>
    public double RestartBackoffSeconds { get; set; } = 10;

    /// <summary>How images are pulled: credentials, plain-HTTP registries, parallel downloads.</summary>
    public RegistriesConfig Registries { get; set; } = new();

    /// <summary>How pods get their network: CNI plugins and configuration (issue 21).</summary>
    public NetworkConfig Network { get; set; } = new();

    /// <summary>Where <c>serve</c>'s streaming server (the Exec, Attach and PortForward URLs) listens.</summary>
    public StreamingConfig Streaming { get; set; } = new();
}

/// <summary>containerd's <c>stream_server_address</c> and <c>stream_server_port</c>, with its defaults.</summary>
public sealed record StreamingConfig
{
    /// <summary>An IP address; loopback by default, so only this node's kubelet reaches it (the kubelet proxies clients' streams).</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>A TCP port; 0 = one the system picks when the first stream is asked for.</summary>
    public int Port { get; set; }
}

public sealed record NetworkConfig
{
    /// <summary>Pods get their network from CNI plugins (the default).</summary>
    public const string Cni = "cni";

    /// <summary>Pods get a network namespace with loopback only; <c>Status</c> reports NetworkReady false. For nodes (and tests) that must not touch the host's network.</summary>
    public const string None = "none";

    public static readonly string[] Modes = [Cni, None];

    public string Mode { get; set; } = Cni;

    /// <summary>Where network configuration lists are read; the first file in lexical order is the pod network (containerd's and CRI-O's <c>/etc/cni/net.d</c>).</summary>
    public string ConfDir { get; set; } = "/etc/cni/net.d";

    /// <summary>Where plugin binaries are looked up, in order (Debian's containernetworking-plugins install to /usr/lib/cni).</summary>
    public string[] PluginDirs { get; set; } = DefaultPluginDirs;

    // One instance, so two default configurations compare equal (records compare arrays by reference).
    private static readonly string[] DefaultPluginDirs = ["/usr/lib/cni", "/opt/cni/bin"];

    /// <summary>When <see cref="ConfDir"/> holds no network, write a bridge + host-local + portmap list there on first use.</summary>
    public bool WriteDefault { get; set; } = true;

    /// <summary>The default network's bridge (at most 15 characters, IFNAMSIZ).</summary>
    public string Bridge { get; set; } = "sublet0";

    /// <summary>The default network's IPv4 subnet, handed out by host-local.</summary>
    public string Subnet { get; set; } = "10.87.0.0/16";

    /// <summary>How long one plugin call may take before it is killed and the pod fails.</summary>
    public int PluginTimeoutSeconds { get; set; } = 60;
}

public sealed record RegistriesConfig
{
    /// <summary>docker-style auth file (<c>{"auths": {"HOST": {"auth": base64("user:pass")}}}</c>, as docker login and podman login write it); a missing file means anonymous pulls.</summary>
    public string AuthFile { get; set; } = "/etc/sublet/auth.json";

    /// <summary>Registries (<c>host[:port]</c>) spoken to over plain HTTP, as docker's insecure-registries; loopback registries always are.</summary>
    public string[] Insecure { get; set; } = [];

    /// <summary>Layers downloaded at once per pull (docker's max-concurrent-downloads default).</summary>
    public int MaxConcurrentDownloads { get; set; } = 3;

    /// <summary>
    /// Registry or mirror host (<c>host[:port]</c>) → a PEM file of CA certificates trusted for it
    /// besides the system's, as containerd's hosts.toml <c>ca</c> and docker's certs.d/HOST/ca.crt. Null = none.
    /// </summary>
    public Dictionary<string, string>? CaFiles { get; set; }

    /// <summary>
    /// Registry domain → mirror URLs (<c>[http://|https://]host[:port][/namespace]</c>) tried in
    /// order before the registry itself, as containerd's hosts.toml and containers-registries.conf
    /// mirrors; images keep their own names in the store. Null = none.
    /// </summary>
    public Dictionary<string, string[]>? Mirrors { get; set; }
}

public sealed record OciRuntimeConfig
{
    /// <summary><c>runc</c> (default) or <c>crun</c>.</summary>
    public string Name { get; set; } = "runc";

    /// <summary>Binary; empty = looked up on PATH by name.</summary>
    public string? Path { get; set; }
}

public sealed record UserNamespacesConfig
{
    /// <summary>KubeletConfiguration <c>userNamespaces.idsPerPod</c>: host IDs per pod, a multiple of 65536.</summary>
    public long IdsPerPod { get; set; } = 65536;

    /// <summary>hostPath volumes idmapped to host IDs: on-disk ID 0 is root in the pod, and what the pod's root writes is owned by host root (upstream's behaviour, the default).</summary>
    public const string HostIds = "host";

    /// <summary>hostPath volumes not idmapped: the pod writes as its own host IDs, and host files show as the overflow ID (nobody).</summary>
    public const string PodIds = "pod";

    public static readonly string[] HostPathIdmapModes = [HostIds, PodIds];

    /// <summary>
    /// How a user-namespaced pod's hostPath volumes map IDs: <see cref="HostIds"/> (default) or
    /// <see cref="PodIds"/>. Other volumes are always idmapped (the pod owns them).
    /// </summary>
    public string HostPathIdmap { get; set; } = HostIds;
}

public sealed record RootfsConfig
{
    /// <summary>Idmapped layers; user-namespaced pods are refused where the layer store can't be idmapped (the default).</summary>
    public const string Idmap = "idmap";

    /// <summary>Idmapped layers where the layer store allows it, else a chown copy of the layers per ID range.</summary>
    public const string IdmapOrChownCopy = "idmapOrChownCopy";

    /// <summary>Always a chown copy, also where idmap works (for tests and cautious operators).</summary>
    public const string ChownCopy = "chownCopy";

    public static readonly string[] Modes = [Idmap, IdmapOrChownCopy, ChownCopy];

    /// <summary>How a user-namespaced pod sees the image's layers: <see cref="Idmap"/>, <see cref="IdmapOrChownCopy"/> or <see cref="ChownCopy"/>.</summary>
    public string UserNamespaceMode { get; set; } = Idmap;
}

/// <summary>As the API server's PodSecurityConfiguration (pod-security.admission.config.k8s.io/v1), keys in camelCase.</summary>
public sealed record PodSecurityConfig
{
    /// <summary>Levels for namespaces without pod-security.kubernetes.io labels (upstream default: privileged, latest).</summary>
    public PodSecurityDefaults Defaults { get; set; } = new();
    public PodSecurityExemptions Exemptions { get; set; } = new();

    /// <summary>File that audit-mode violations are appended to, one JSON object a line; empty = not recorded.</summary>
    public string? AuditLog { get; set; }
}

public sealed record PodSecurityDefaults
{
    public string Enforce { get; set; } = "privileged";
    public string EnforceVersion { get; set; } = "latest";
    public string Audit { get; set; } = "privileged";
    public string AuditVersion { get; set; } = "latest";
    public string Warn { get; set; } = "privileged";
    public string WarnVersion { get; set; } = "latest";
}

public sealed record PodSecurityExemptions
{
    /// <summary>Requesting users exempt from every level (the CLI user is the local user name).</summary>
    public string[] Usernames { get; set; } = [];
    public string[] Namespaces { get; set; } = [];
    public string[] RuntimeClasses { get; set; } = [];
}
