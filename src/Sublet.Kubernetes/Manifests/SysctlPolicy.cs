using Sublet.Kubelet.Plan;
using Sublet.Runtime.Sandboxes;
using k8s.Models;

namespace Sublet.Kubernetes.Manifests;

/// <summary>
/// Which pod sysctls may be set (pkg/kubelet/sysctl): the safe set is allowed by default; other
/// namespaced sysctls only when the node's <c>allowedUnsafeSysctls</c> lists them (a trailing '*'
/// matches a prefix); a sysctl that is not namespaced would change the whole node and is refused
/// by name, whatever the configuration says.
/// </summary>
public static class SysctlPolicy
{
    /// <summary>pkg/kubelet/sysctl/safe_sysctls.go (all available on kernels ≥ 4.15).</summary>
    public static readonly IReadOnlyList<string> Safe =
    [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
    ];

    public enum Namespace { None, Ipc, Net }

    /// <summary>pkg/kubelet/sysctl/namespace.go: the IPC and network namespaces' sysctls.</summary>
    public static Namespace NamespaceOf(string name) => name switch
    {
        "kernel.sem" => Namespace.Ipc,
        _ when name.StartsWith("kernel.shm", StringComparison.Ordinal) || name.StartsWith("kernel.msg", StringComparison.Ordinal)
            || name.StartsWith("fs.mqueue.", StringComparison.Ordinal) => Namespace.Ipc,
        _ when name.StartsWith("net.", StringComparison.Ordinal) => Namespace.Net,
        _ => Namespace.None,
    };

    /// <summary>utilsysctl.NormalizeName: "net/ipv4/ip_forward" → "net.ipv4.ip_forward" (dots and slashes swap when '/' comes first).</summary>
    public static string Normalize(string name)
    {
        var slash = name.IndexOf('/');
        var dot = name.IndexOf('.');
        if (slash < 0 || (dot >= 0 && dot < slash))
        {
            return name;
        }
        return string.Concat(name.Select(ch => ch switch { '/' => '.', '.' => '/', _ => ch }));
    }

    public static List<Sysctl> Check(V1PodSpec spec, IReadOnlyList<string> allowedUnsafe, List<string> problems)
    {
        var result = new List<Sysctl>();
        var sysctls = spec.SecurityContext?.Sysctls ?? [];
        for (var i = 0; i < sysctls.Count; i++)
        {
            var path = $"spec.securityContext.sysctls[{i}].name";
            var name = Normalize(sysctls[i].Name ?? "");
            if (name.Length == 0)
            {
                problems.Add($"{path}: Required value");
                continue;
            }
            if (result.Exists(s => s.Name == name))
            {
                problems.Add($"{path}: Duplicate value: \"{name}\"");
                continue;
            }
            if (Problem(name, spec, allowedUnsafe) is { } problem)
            {
                problems.Add($"{path}: Forbidden: forbidden sysctl: {problem}");
                continue;
            }
            result.Add(new Sysctl(name, sysctls[i].Value ?? ""));
        }
        return result;
    }

    private static string? Problem(string name, V1PodSpec spec, IReadOnlyList<string> allowedUnsafe)
    {
        var ns = NamespaceOf(name);
        if (ns == Namespace.None)
        {
            return $"\"{name}\" is not a namespaced sysctl: it would change the whole node";
        }
        if (ns == Namespace.Net && spec.HostNetwork == true)
        {
            return $"\"{name}\" not allowed with host net enabled";
        }
        if (ns == Namespace.Ipc && spec.HostIPC == true)
        {
            return $"\"{name}\" not allowed with host ipc enabled";
        }
        var allowed = Safe.Contains(name) || allowedUnsafe.Any(pattern =>
            pattern.EndsWith('*') ? name.StartsWith(pattern[..^1], StringComparison.Ordinal) : pattern == name);
        return allowed ? null : $"\"{name}\" not allowlisted";
    }
}
