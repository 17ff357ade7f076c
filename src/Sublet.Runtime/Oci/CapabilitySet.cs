
namespace Sublet.Runtime.Oci;

/// <summary>
/// The capabilities a container gets, as containerd's CRI plugin computes them
/// (internal/cri/opts WithCapabilities, then oci.WithPrivileged for privileged containers).
/// </summary>
public static class CapabilitySet
{
    /// <summary>Linux capabilities by number (include/uapi/linux/capability.h, up to CAP_CHECKPOINT_RESTORE = 40).</summary>
    public static readonly IReadOnlyList<string> Known =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>The capabilities whose bits are set in a mask such as /proc/self/status CapBnd.</summary>
    public static IReadOnlyList<string> FromMask(ulong mask) =>
        Known.Where((_, bit) => (mask & (1UL << bit)) != 0).ToList();

    /// <summary>
    /// The bounding (= permitted) set. <paramref name="hostCaps"/> plays containerd's <c>allCaps</c>
    /// (the runtime's own capabilities): what privileged and <c>add: [ALL]</c> mean. "ALL" is
    /// matched without regard to case, and applied before single names, so <c>drop: [ALL], add: [NET_RAW]</c>
    /// keeps NET_RAW. Capabilities the host itself lacks are left out and reported in <paramref name="clamped"/>.
    /// </summary>
    public static List<string> Resolve(Sandboxes.ProcessSecurity security, IReadOnlyList<string> hostCaps, List<string> clamped)
    {
        if (security.Privileged)
        {
            return [.. hostCaps]; // oci.WithPrivileged: WithAllCurrentCapabilities, after (and over) add/drop
        }
        var caps = SpecDefaults.Capabilities.ToList();
        if (security.AddCapabilities.Any(IsAll))
        {
            caps = [.. hostCaps];
        }
        if (security.DropCapabilities.Any(IsAll))
        {
            caps.Clear();
        }
        foreach (var name in security.AddCapabilities.Where(n => !IsAll(n)).Select(Canonical))
        {
            if (!Known.Contains(name))
            {
                throw new PlanException($"unknown capability \"{name}\" in securityContext.capabilities.add");
            }
            if (!hostCaps.Contains(name))
            {
                clamped.Add($"{name} not granted: this host's bounding set lacks it");
            }
            else if (!caps.Contains(name))
            {
                caps.Add(name);
            }
        }
        foreach (var name in security.DropCapabilities.Where(n => !IsAll(n)).Select(Canonical))
        {
            caps.Remove(name);
        }
        return caps;
    }

    private static bool IsAll(string name) => string.Equals(name, "ALL", StringComparison.OrdinalIgnoreCase);

    /// <summary>CRI capabilities have no prefix; containerd adds <c>CAP_</c> and upper-cases them.</summary>
    private static string Canonical(string name)
    {
        var upper = name.ToUpperInvariant();
        return upper.StartsWith("CAP_", StringComparison.Ordinal) ? upper : "CAP_" + upper;
    }
}
