using k8s.Models;
using static Sublet.Kubernetes.Admission.PodView;

namespace Sublet.Kubernetes.Admission;

/// <summary>The Baseline checks of staging/src/k8s.io/pod-security-admission/policy/check_*.go, revision by revision.</summary>
internal static class BaselineChecks
{
    public static IEnumerable<Check> All =>
    [
        new("appArmorProfile", Level.Baseline, [new(0, AppArmor)]),
        new("capabilities_baseline", Level.Baseline, [new(0, Capabilities)]),
        new("hostNamespaces", Level.Baseline, [new(0, HostNamespaces)]),
        new("hostPathVolumes", Level.Baseline, [new(0, HostPathVolumes)]),
        new("hostPorts", Level.Baseline, [new(0, HostPorts)]),
        new("hostProbesAndHostLifecycle", Level.Baseline, [new(34, HostProbes)]),
        new("privileged", Level.Baseline, [new(0, Privileged)]),
        new("procMount", Level.Baseline, [new(0, (m, s) => ProcMount(s, relax: false)), new(35, (m, s) => ProcMount(s, relax: true))]),
        new("seLinuxOptions", Level.Baseline, [new(0, (m, s) => SeLinux(s, engineType: false)), new(31, (m, s) => SeLinux(s, engineType: true))]),
        new("seccompProfile_baseline", Level.Baseline, [new(0, SeccompAnnotations), new(19, SeccompFields)]),
        new("sysctls", Level.Baseline, [new(0, (m, s) => Sysctls(s, 0)), new(27, (m, s) => Sysctls(s, 27)), new(29, (m, s) => Sysctls(s, 29)), new(32, (m, s) => Sysctls(s, 32))]),
        new("windowsHostProcess", Level.Baseline, [new(0, HostProcess)]),
    ];

    private static readonly HashSet<string> AllowedCapabilities =
        ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"];

    /// <summary>
    /// check_appArmorProfile.go: securityContext.appArmorProfile.type on pod and containers, and the
    /// deprecated container.apparmor.security.beta.kubernetes.io annotations (quoted twice, as upstream does).
    /// </summary>
    private static (string, string)? AppArmor(V1ObjectMeta? meta, V1PodSpec spec)
    {
        var setters = new List<string>();
        var values = new List<string>();
        if (spec.SecurityContext?.AppArmorProfile?.Type is { } podType && !AllowedAppArmor(podType))
        {
            setters.Add("pod");
            values.Add(podType);
        }
        var bad = new List<string>();
        foreach (var c in Containers(spec))
        {
            if (c.SecurityContext?.AppArmorProfile?.Type is not { } t || AllowedAppArmor(t)) continue;
            bad.Add(c.Name);
            values.Add(t);
        }
        if (bad.Count > 0) setters.Add(ContainersPhrase(bad));
        var badValues = SortedSet(values);
        var annotations = new List<string>();
        foreach (var (k, v) in meta?.Annotations ?? new Dictionary<string, string>())
        {
            if (k.StartsWith("container.apparmor.security.beta.kubernetes.io/") && !(v.Length == 0 || v == "runtime/default" || v.StartsWith("localhost/")))
                annotations.Add($"{k}={Validation.FieldError.Quote(v)}");
        }
        if (annotations.Count > 0)
        {
            annotations.Sort(StringComparer.Ordinal);
            badValues.AddRange(annotations);
            setters.Add(Plural("annotation", "annotations", annotations.Count));
        }
        return setters.Count == 0 ? null
            : (Plural("forbidden AppArmor profile", "forbidden AppArmor profiles", badValues.Count),
                $"{string.Join(" and ", setters)} must not set AppArmor profile type to {JoinQuote(badValues)}");
    }

    private static bool AllowedAppArmor(string type) => type is "RuntimeDefault" or "Localhost";

    /// <summary>check_capabilities_baseline.go.</summary>
    private static (string, string)? Capabilities(V1ObjectMeta? meta, V1PodSpec spec)
    {
        var bad = new List<string>();
        var caps = new List<string>();
        foreach (var c in Containers(spec))
        {
            var added = (c.SecurityContext?.Capabilities?.Add ?? []).Where(a => !AllowedCapabilities.Contains(a)).ToList();
            if (added.Count == 0) continue;
            bad.Add(c.Name);
            caps.AddRange(added);
        }
        return bad.Count == 0 ? null
            : ("non-default capabilities", $"{ContainersPhrase(bad)} must not include {JoinQuote(SortedSet(caps))} in securityContext.capabilities.add");
    }

    /// <summary>check_hostNamespaces.go.</summary>
    private static (string, string)? HostNamespaces(V1ObjectMeta? meta, V1PodSpec spec)
    {
        var set = new List<string>();
        if (spec.HostNetwork == true) set.Add("hostNetwork=true");
        if (spec.HostPID == true) set.Add("hostPID=true");
        if (spec.HostIPC == true) set.Add("hostIPC=true");
        return set.Count == 0 ? null : ("host namespaces", string.Join(", ", SortedSet(set)));
    }

    /// <summary>check_hostPathVolumes.go.</summary>
    private static (string, string)? HostPathVolumes(V1ObjectMeta? meta, V1PodSpec spec)
    {
        var bad = (spec.Volumes ?? []).Where(v => v.HostPath is not null).Select(v => v.Name ?? "").ToList();
        return bad.Count == 0 ? null : ("hostPath volumes", $"{Plural("volume", "volumes", bad.Count)} {JoinQuote(bad)}");
    }

    /// <summary>check_hostPorts.go.</summary>
    private static (string, string)? HostPorts(V1ObjectMeta? meta, V1PodSpec spec)
    {
        var bad = new List<string>();
        var ports = new List<string>();
        foreach (var c in Containers(spec))
        {
            var used = (c.Ports ?? []).Where(p => p.HostPort is { } hp && hp != 0).Select(p => p.HostPort!.Value.ToString()).ToList();
            if (used.Count == 0) continue;
            bad.Add(c.Name);
            ports.AddRange(used);
        }
        var sorted = SortedSet(ports);
        return bad.Count == 0 ? null
            : ("hostPort", $"{ContainersPhrase(bad)} {Plural("uses", "use", bad.Count)} {Plural("hostPort", "hostPorts", sorted.Count)} {string.Join(", ", sorted)}");
    }

    /// <summary>check_hostProbesAndhostLifecycle.go (1.34): probe and lifecycle handlers must not name a host.</summary>
    private static (string, string)? HostProbes(V1ObjectMeta? meta, V1PodSpec spec)
    {
        var bad = new List<string>();
        var hosts = new List<string>();
        foreach (var c in Containers(spec))
        {
            var found = new List<string?>();
            foreach (var p in c.Probes) found.AddRange([p?.HttpGet?.Host, p?.TcpSocket?.Host]);
            foreach (var h in new[] { c.Lifecycle?.PostStart, c.Lifecycle?.PreStop }) found.AddRange([h?.HttpGet?.Host, h?.TcpSocket?.Host]);
            var set = found.Where(h => !string.IsNullOrEmpty(h)).Select(h => h!).ToList();
            if (set.Count == 0) continue;
            bad.Add(c.Name);
            hosts.AddRange(set);
        }
        var sorted = SortedSet(hosts);
        return bad.Count == 0 ? null
            : ("probe or lifecycle host", $"{ContainersPhrase(SortedSet(bad))} {Plural("uses", "use", bad.Count)} {Plural("probe or lifecycle host", "probe or lifecycle hosts", sorted.Count)} {JoinQuote(sorted)}");
    }

    /// <summary>check_privileged.go.</summary>
    private static (string, string)? Privileged(V1ObjectMeta? meta, V1PodSpec spec)
    {
        var bad = Containers(spec).Where(c => c.SecurityContext?.Privileged == true).Select(c => c.Name).ToList();
        return bad.Count == 0 ? null : ("privileged", $"{ContainersPhrase(bad)} must not set securityContext.privileged=true");
    }

    /// <summary>check_procMount_baseline.go: 1.0 only Default; 1.35 anything in a pod user namespace.</summary>
    internal static (string, string)? ProcMount(V1PodSpec spec, bool relax)
    {
        if (relax && UserNamespace(spec)) return null;
        var bad = new List<string>();
        var values = new List<string>();
        foreach (var c in Containers(spec))
        {
            if (c.SecurityContext?.ProcMount is not { } pm || pm == "Default") continue;
            bad.Add(c.Name);
            values.Add(pm);
        }
        return bad.Count == 0 ? null
            : ("procMount", $"{ContainersPhrase(bad)} must not set securityContext.procMount to {JoinQuote(SortedSet(values))}");
    }

    /// <summary>check_seLinuxOptions.go (container_engine_t allowed from 1.31). As upstream, user/role are named only beside a bad type.</summary>
    private static (string, string)? SeLinux(V1PodSpec spec, bool engineType)
    {
        var types = new List<string>();
        bool user = false, role = false;
        bool Valid(V1SELinuxOptions o)
        {
            var ok = true;
            if (!(o.Type is null or "" or "container_t" or "container_init_t" or "container_kvm_t" || (engineType && o.Type == "container_engine_t")))
            {
                ok = false;
                types.Add(o.Type);
            }
            if (!string.IsNullOrEmpty(o.User))
            {
                ok = false;
                user = true;
            }
            if (!string.IsNullOrEmpty(o.Role))
            {
                ok = false;
                role = true;
            }
            return ok;
        }
        var setters = new List<string>();
        if (spec.SecurityContext?.SeLinuxOptions is { } podOptions && !Valid(podOptions)) setters.Add("pod");
        var bad = Containers(spec).Where(c => c.SecurityContext?.SeLinuxOptions is { } o && !Valid(o)).Select(c => c.Name).ToList();
        if (bad.Count > 0) setters.Add(ContainersPhrase(bad));
        if (setters.Count == 0) return null;
        var data = new List<string>();
        var sorted = SortedSet(types);
        if (sorted.Count > 0)
        {
            data.Add($"{Plural("type", "types", sorted.Count)} {JoinQuote(sorted)}");
            if (user) data.Add("user may not be set");
            if (role) data.Add("role may not be set");
        }
        return ("seLinuxOptions", $"{string.Join(" and ", setters)} set forbidden securityContext.seLinuxOptions: {string.Join("; ", data)}");
    }

    /// <summary>check_seccompProfile_baseline.go 1.0: the pre-1.19 seccomp annotations, pod and per visited container.</summary>
    private static (string, string)? SeccompAnnotations(V1ObjectMeta? meta, V1PodSpec spec)
    {
        const string podKey = "seccomp.security.alpha.kubernetes.io/pod";
        var annotations = meta?.Annotations ?? new Dictionary<string, string>();
        static bool Valid(string v) => v is "runtime/default" or "docker/default" || v.StartsWith("localhost/");
        var bad = new List<string>();
        foreach (var key in Containers(spec).Select(c => "container.seccomp.security.alpha.kubernetes.io/" + c.Name).Prepend(podKey))
        {
            if (annotations.TryGetValue(key, out var v) && !Valid(v)) bad.Add($"{key}={Validation.FieldError.Quote(v)}");
        }
        var sorted = SortedSet(bad);
        return sorted.Count == 0 ? null : ("seccompProfile", $"forbidden {Plural("annotation", "annotations", sorted.Count)} {string.Join(", ", sorted)}");
    }

    /// <summary>check_seccompProfile_baseline.go 1.19: no Unconfined on pod or containers.</summary>
    private static (string, string)? SeccompFields(V1ObjectMeta? meta, V1PodSpec spec)
    {
        var setters = new List<string>();
        if (spec.SecurityContext?.SeccompProfile?.Type == "Unconfined") setters.Add("pod");
        var bad = Containers(spec).Where(c => c.SecurityContext?.SeccompProfile?.Type == "Unconfined").Select(c => c.Name).ToList();
        if (bad.Count > 0) setters.Add(ContainersPhrase(bad));
        return setters.Count == 0 ? null
            : ("seccompProfile", $"{string.Join(" and ", setters)} must not set securityContext.seccompProfile.type to \"Unconfined\"");
    }

    private static readonly (int Since, string[] Names)[] SafeSysctls =
    [
        (0, ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"]),
        (27, ["net.ipv4.ip_local_reserved_ports"]),
        (29, ["net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"]),
        (32, ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]),
    ];

    /// <summary>check_sysctls.go: the safe set grows with the version.</summary>
    private static (string, string)? Sysctls(V1PodSpec spec, int minor)
    {
        var allowed = SafeSysctls.Where(s => s.Since <= minor).SelectMany(s => s.Names).ToHashSet();
        var bad = (spec.SecurityContext?.Sysctls ?? []).Select(s => s.Name ?? "").Where(n => !allowed.Contains(n)).ToList();
        return bad.Count == 0 ? null : ("forbidden sysctls", string.Join(", ", bad));
    }

    /// <summary>check_windowsHostProcess.go.</summary>
    private static (string, string)? HostProcess(V1ObjectMeta? meta, V1PodSpec spec)
    {
        var setters = new List<string>();
        if (spec.SecurityContext?.WindowsOptions?.HostProcess == true) setters.Add("pod");
        var bad = Containers(spec).Where(c => c.SecurityContext?.WindowsOptions?.HostProcess == true).Select(c => c.Name).ToList();
        if (bad.Count > 0) setters.Add(ContainersPhrase(bad));
        return setters.Count == 0 ? null
            : ("hostProcess", $"{string.Join(" and ", setters)} must not set securityContext.windowsOptions.hostProcess=true");
    }
}
