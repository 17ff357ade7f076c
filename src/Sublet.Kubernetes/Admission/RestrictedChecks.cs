using k8s.Models;
using static Sublet.Kubernetes.Admission.PodView;

namespace Sublet.Kubernetes.Admission;

/// <summary>The Restricted checks of staging/src/k8s.io/pod-security-admission/policy/check_*.go, revision by revision.</summary>
internal static class RestrictedChecks
{
    public static IEnumerable<Check> All =>
    [
        new("allowPrivilegeEscalation", Level.Restricted, [new(8, (m, s) => AllowPrivilegeEscalation(s, false)), new(25, (m, s) => AllowPrivilegeEscalation(s, true))]),
        new("capabilities_restricted", Level.Restricted, [new(22, (m, s) => Capabilities(s, false)), new(25, (m, s) => Capabilities(s, true))], ["capabilities_baseline"]),
        new("procMount_restricted", Level.Restricted, [new(35, (m, s) => BaselineChecks.ProcMount(s, relax: false))], ["procMount"]),
        new("restrictedVolumes", Level.Restricted, [new(0, RestrictedVolumes)], ["hostPathVolumes"]),
        // KEP-127: from policy v1.35 a pod with hostUsers: false may run as root (its root is unprivileged on the host).
        new("runAsNonRoot", Level.Restricted, [new(0, (m, s) => RunAsNonRoot(s)), new(35, (m, s) => UserNamespace(s) ? null : RunAsNonRoot(s))]),
        new("runAsUser", Level.Restricted, [new(23, (m, s) => RunAsUser(s)), new(35, (m, s) => UserNamespace(s) ? null : RunAsUser(s))]),
        new("seccompProfile_restricted", Level.Restricted, [new(19, (m, s) => Seccomp(s, false)), new(25, (m, s) => Seccomp(s, true))], ["seccompProfile_baseline"]),
    ];

    /// <summary>check_allowPrivilegeEscalation.go: must be explicitly false; Windows pods exempt from 1.25.</summary>
    private static (string, string)? AllowPrivilegeEscalation(V1PodSpec spec, bool windowsExempt)
    {
        if (windowsExempt && IsWindows(spec)) return null;
        var bad = Containers(spec).Where(c => c.SecurityContext?.AllowPrivilegeEscalation != false).Select(c => c.Name).ToList();
        return bad.Count == 0 ? null
            : ("allowPrivilegeEscalation != false", $"{ContainersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false");
    }

    /// <summary>check_capabilities_restricted.go: drop ALL, add at most NET_BIND_SERVICE; Windows pods exempt from 1.25.</summary>
    private static (string, string)? Capabilities(V1PodSpec spec, bool windowsExempt)
    {
        if (windowsExempt && IsWindows(spec)) return null;
        var missingDrop = new List<string>();
        var adding = new List<string>();
        var caps = new List<string>();
        foreach (var c in Containers(spec))
        {
            var capabilities = c.SecurityContext?.Capabilities;
            if (capabilities is null)
            {
                missingDrop.Add(c.Name);
                continue;
            }
            if (capabilities.Drop?.Contains("ALL") != true) missingDrop.Add(c.Name);
            var added = (capabilities.Add ?? []).Where(a => a != "NET_BIND_SERVICE").ToList();
            if (added.Count == 0) continue;
            adding.Add(c.Name);
            caps.AddRange(added);
        }
        var details = new List<string>();
        if (missingDrop.Count > 0) details.Add($"{ContainersPhrase(missingDrop)} must set securityContext.capabilities.drop=[\"ALL\"]");
        if (adding.Count > 0) details.Add($"{ContainersPhrase(adding)} must not include {JoinQuote(SortedSet(caps))} in securityContext.capabilities.add");
        return details.Count == 0 ? null : ("unrestricted capabilities", string.Join("; ", details));
    }

    /// <summary>check_restrictedVolumes.go: only the volume types below (image volumes included, as 1.33+ servers do).</summary>
    private static (string, string)? RestrictedVolumes(V1ObjectMeta? meta, V1PodSpec spec)
    {
        var bad = new List<string>();
        var types = new List<string>();
        foreach (var v in spec.Volumes ?? [])
        {
            if (v.ConfigMap is not null || v.Csi is not null || v.DownwardAPI is not null || v.EmptyDir is not null || v.Ephemeral is not null
                || v.PersistentVolumeClaim is not null || v.Projected is not null || v.Secret is not null || v.Image is not null)
                continue;
            bad.Add(v.Name ?? "");
            types.Add(RestrictedType(v));
        }
        var sorted = SortedSet(types);
        return bad.Count == 0 ? null
            : ("restricted volume types", $"{Plural("volume", "volumes", bad.Count)} {JoinQuote(bad)} {Plural("uses", "use", bad.Count)} restricted volume {Plural("type", "types", sorted.Count)} {JoinQuote(sorted)}");
    }

    private static string RestrictedType(V1Volume v) => v switch
    {
        { HostPath: not null } => "hostPath",
        { GcePersistentDisk: not null } => "gcePersistentDisk",
        { AwsElasticBlockStore: not null } => "awsElasticBlockStore",
        { GitRepo: not null } => "gitRepo",
        { Nfs: not null } => "nfs",
        { Iscsi: not null } => "iscsi",
        { Glusterfs: not null } => "glusterfs",
        { Rbd: not null } => "rbd",
        { FlexVolume: not null } => "flexVolume",
        { Cinder: not null } => "cinder",
        { Cephfs: not null } => "cephfs",
        { Flocker: not null } => "flocker",
        { Fc: not null } => "fc",
        { AzureFile: not null } => "azureFile",
        { VsphereVolume: not null } => "vsphereVolume",
        { Quobyte: not null } => "quobyte",
        { AzureDisk: not null } => "azureDisk",
        { PhotonPersistentDisk: not null } => "photonPersistentDisk",
        { PortworxVolume: not null } => "portworxVolume",
        { ScaleIO: not null } => "scaleIO",
        { Storageos: not null } => "storageos",
        _ => "unknown",
    };

    /// <summary>check_runAsNonRoot.go.</summary>
    private static (string, string)? RunAsNonRoot(V1PodSpec spec)
    {
        var setters = new List<string>();
        var podNonRoot = false;
        if (spec.SecurityContext?.RunAsNonRoot is { } pod)
        {
            if (!pod) setters.Add("pod");
            else podNonRoot = true;
        }
        var explicitBad = new List<string>();
        var implicitBad = new List<string>();
        foreach (var c in Containers(spec))
        {
            if (c.SecurityContext?.RunAsNonRoot is { } value)
            {
                if (!value) explicitBad.Add(c.Name);
            }
            else if (!podNonRoot)
            {
                implicitBad.Add(c.Name);
            }
        }
        if (explicitBad.Count > 0) setters.Add(ContainersPhrase(explicitBad));
        if (setters.Count > 0) return ("runAsNonRoot != true", $"{string.Join(" and ", setters)} must not set securityContext.runAsNonRoot=false");
        return implicitBad.Count == 0 ? null
            : ("runAsNonRoot != true", $"pod or {ContainersPhrase(implicitBad)} must set securityContext.runAsNonRoot=true");
    }

    /// <summary>check_runAsUser.go.</summary>
    private static (string, string)? RunAsUser(V1PodSpec spec)
    {
        var setters = new List<string>();
        if (spec.SecurityContext?.RunAsUser == 0) setters.Add("pod");
        var bad = Containers(spec).Where(c => c.SecurityContext?.RunAsUser == 0).Select(c => c.Name).ToList();
        if (bad.Count > 0) setters.Add(ContainersPhrase(bad));
        return setters.Count == 0 ? null : ("runAsUser=0", $"{string.Join(" and ", setters)} must not set runAsUser=0");
    }

    /// <summary>check_seccompProfile_restricted.go: RuntimeDefault or Localhost on the pod or every container; Windows exempt from 1.25.</summary>
    private static (string, string)? Seccomp(V1PodSpec spec, bool windowsExempt)
    {
        if (windowsExempt && IsWindows(spec)) return null;
        static bool Valid(string? type) => type is "RuntimeDefault" or "Localhost";
        var setters = new List<string>();
        var values = new List<string>();
        var podSet = false;
        if (spec.SecurityContext?.SeccompProfile is { } podProfile)
        {
            if (!Valid(podProfile.Type))
            {
                setters.Add("pod");
                values.Add(podProfile.Type ?? "");
            }
            else podSet = true;
        }
        var explicitBad = new List<string>();
        var implicitBad = new List<string>();
        foreach (var c in Containers(spec))
        {
            if (c.SecurityContext?.SeccompProfile is { } profile)
            {
                if (Valid(profile.Type)) continue;
                explicitBad.Add(c.Name);
                values.Add(profile.Type ?? "");
            }
            else if (!podSet)
            {
                implicitBad.Add(c.Name);
            }
        }
        if (explicitBad.Count > 0) setters.Add(ContainersPhrase(explicitBad));
        if (setters.Count > 0)
            return ("seccompProfile", $"{string.Join(" and ", setters)} must not set securityContext.seccompProfile.type to {JoinQuote(SortedSet(values))}");
        return implicitBad.Count == 0 ? null
            : ("seccompProfile", $"pod or {ContainersPhrase(implicitBad)} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"");
    }
}
