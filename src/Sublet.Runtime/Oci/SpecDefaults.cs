namespace Sublet.Runtime.Oci;

/// <summary>
/// The defaults a Kubernetes container gets from containerd's CRI plugin
/// (pkg/oci/spec.go populateDefaultUnixSpec, internal/cri/opts/spec_linux.go), so workloads
/// behave as on a containerd node.
/// </summary>
internal static class SpecDefaults
{
    /// <summary>containerd's default capability set (pkg/cap defaults used by CRI: oci.WithDefaultUnixSpec).</summary>
    public static readonly IReadOnlyList<string> Capabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    /// <summary>Paths hidden from containers (containerd pkg/oci/spec.go defaultUnixSpec maskedPaths).</summary>
    public static readonly IReadOnlyList<string> MaskedPaths =
    [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
        "/sys/devices/virtual/powercap", "/proc/scsi", "/proc/interrupts",
    ];

    /// <summary>Paths mounted read-only (containerd defaultUnixSpec readonlyPaths).</summary>
    public static readonly IReadOnlyList<string> ReadonlyPaths =
    [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ];

    /// <summary>PATH when the image sets none (containerd oci.defaultUnixEnv).</summary>
    public const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>The usual filesystems of a container (containerd defaultMounts); <paramref name="writable"/> drops "ro" from sysfs and cgroupfs, as for privileged containers.</summary>
    public static List<Mount> Mounts(bool withCgroup, bool writable = false) =>
        [.. DefaultMounts(withCgroup).Select(m => writable && m.Options!.Contains("ro") ? m with { Options = [.. m.Options.Where(o => o != "ro")] } : m)];

    /// <summary>
    /// The pause container's filesystems. sysfs superblocks are per network namespace and shared by
    /// every mount of them: the first mount's read-only flag binds later ones (a privileged
    /// container after an unprivileged one got a read-only /sys: containerd#3221, moby#24000). So
    /// a pod with a privileged container has its pause hold a writable sysfs for the pod's life, as
    /// the kubelet makes such a sandbox privileged (kubernetes#96877); the other containers' "ro"
    /// mounts of it stay read-only per mount (mount(2) MS_RDONLY on an existing superblock).
    /// </summary>
    public static List<Mount> SandboxMounts(bool privileged) =>
    [
        new() { Destination = "/proc", Type = "proc", Source = "proc", Options = ["nosuid", "noexec", "nodev"] },
        new() { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
        .. (privileged
            ? new List<Mount> { new() { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev"] } }
            : []),
    ];

    /// <summary>
    /// A user-namespaced container on the node's network can't mount sysfs: the kernel wants
    /// CAP_SYS_ADMIN in the user namespace owning the network namespace, which is the node's
    /// (sysfs_get_tree). Like containerd for such pods, it gets the node's /sys bound read-only
    /// instead; its root is an unprivileged host ID there.
    /// </summary>
    public static List<Mount> WithNodeSysfs(List<Mount> mounts) =>
        [.. mounts.Select(m => m.Type == "sysfs"
            ? new Mount { Destination = m.Destination, Type = "bind", Source = "/sys", Options = ["rbind", "nosuid", "noexec", "nodev", "ro"] }
            : m)];

    private static List<Mount> DefaultMounts(bool withCgroup) =>
    [
        new() { Destination = "/proc", Type = "proc", Source = "proc", Options = ["nosuid", "noexec", "nodev"] },
        new() { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
        new() { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
        new() { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
        new() { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
        new() { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] },
        .. (withCgroup
            ? new List<Mount> { new() { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["nosuid", "noexec", "nodev", "relatime", "ro"] } }
            : []),
    ];

    /// <summary>Device cgroup: deny everything; runc then allows its default devices (null, zero, full, tty, random, urandom, ptmx).</summary>
    public static List<DeviceRule> DenyAllDevices() => [new() { Allow = false, Access = "rwm" }];
}
