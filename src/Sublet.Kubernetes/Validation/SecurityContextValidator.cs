using System.Text.RegularExpressions;
using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>validatePodSpecSecurityContext and ValidateSecurityContext of pkg/apis/core/validation/validation.go.</summary>
internal static partial class SecurityContextValidator
{
    /// <summary>validatePodSpecSecurityContext, in its order.</summary>
    public static void ValidatePod(V1PodSpec spec, FieldErrors errors)
    {
        const string path = "spec.securityContext";
        var sc = spec.SecurityContext;
        Id(sc?.FsGroup, $"{path}.fsGroup", errors);
        Id(sc?.RunAsUser, $"{path}.runAsUser", errors);
        Id(sc?.RunAsGroup, $"{path}.runAsGroup", errors);
        for (var i = 0; i < (sc?.SupplementalGroups?.Count ?? 0); i++) Id(sc!.SupplementalGroups![i], $"{path}.supplementalGroups[{i}]", errors);
        // The internal PodSecurityContext holds shareProcessNamespace and hostPID, so this path is upstream's.
        if (spec.ShareProcessNamespace == true && spec.HostPID == true)
            errors.Invalid($"{path}.shareProcessNamespace", true, "ShareProcessNamespace and HostPID cannot both be enabled");
        Sysctls(sc?.Sysctls, spec.HostNetwork == true, spec.HostIPC == true, $"{path}.sysctls", errors);
        if (sc?.FsGroupChangePolicy is { } fcp && fcp is not ("OnRootMismatch" or "Always"))
            errors.NotSupported($"{path}.fsGroupChangePolicy", fcp, "Always", "OnRootMismatch");
        Seccomp(sc?.SeccompProfile, $"{path}.seccompProfile", errors);
        AppArmor(sc?.AppArmorProfile, $"{path}.appArmorProfile", errors);
        if (sc?.SupplementalGroupsPolicy is { } sgp && sgp is not ("Merge" or "Strict"))
            errors.NotSupported($"{path}.supplementalGroupsPolicy", sgp, "Merge", "Strict");
        if (sc?.SeLinuxChangePolicy is { } slp && slp is not ("Recursive" or "MountOption"))
            errors.NotSupported($"{path}.seLinuxChangePolicy", slp, "MountOption", "Recursive");
    }

    /// <summary>ValidateSecurityContext, in its order.</summary>
    public static void ValidateContainer(V1SecurityContext? sc, string path, bool hostUsers, FieldErrors errors)
    {
        if (sc is null) return;
        Id(sc.RunAsUser, $"{path}.runAsUser", errors);
        Id(sc.RunAsGroup, $"{path}.runAsGroup", errors);
        if (sc.ProcMount is { } pm)
        {
            if (pm is not ("Default" or "Unmasked")) errors.NotSupported($"{path}.procMount", pm, "Default", "Unmasked");
            if (pm == "Unmasked" && hostUsers) errors.Invalid($"{path}.procMount", pm, "`hostUsers` must be false to use `Unmasked`");
        }
        Seccomp(sc.SeccompProfile, $"{path}.seccompProfile", errors);
        // Upstream prints the whole security context as the value (with pointer addresses); Sublet prints "".
        if (sc.AllowPrivilegeEscalation == false)
        {
            if (sc.Privileged == true)
                errors.Invalid(path, "", "cannot set `allowPrivilegeEscalation` to false and `privileged` to true");
            foreach (var _ in (sc.Capabilities?.Add ?? []).Where(c => c == "CAP_SYS_ADMIN"))
                errors.Invalid(path, "", "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN");
        }
        AppArmor(sc.AppArmorProfile, $"{path}.appArmorProfile", errors);
    }

    private static void Id(long? id, string path, FieldErrors errors)
    {
        if (id is { } v) errors.Each(path, v, Validation.Names.Id(v));
    }

    /// <summary>
    /// validateSeccompProfileField: a known type; a localhostProfile (a local descending path, possibly
    /// empty) exactly when the type is Localhost. The misplaced-profile error prints the profile as Go's
    /// %#v does, with a placeholder for the pointer's address.
    /// </summary>
    private static void Seccomp(V1SeccompProfile? profile, string path, FieldErrors errors)
    {
        if (profile is null) return;
        switch (profile.Type)
        {
            case "Localhost" or "RuntimeDefault" or "Unconfined":
                break;
            case null or "":
                errors.Required($"{path}.type", "type is required when seccompProfile is set");
                break;
            default:
                errors.NotSupported($"{path}.type", profile.Type, "Localhost", "RuntimeDefault", "Unconfined");
                break;
        }
        if (profile.Type == "Localhost")
        {
            if (profile.LocalhostProfile is null) errors.Required($"{path}.localhostProfile", "must be set when seccomp type is Localhost");
            else Paths.LocalDescending(profile.LocalhostProfile, $"{path}.localhostProfile", errors);
        }
        else if (profile.LocalhostProfile is not null)
        {
            var value = $"core.SeccompProfile{{Type:{FieldError.Quote(profile.Type ?? "")}, LocalhostProfile:(*string)(0xc000000000)}}";
            errors.Add(new FieldError($"{path}.localhostProfile", "Invalid value", value, "can only be set when seccomp type is Localhost"));
        }
    }

    /// <summary>ValidateAppArmorProfileField.</summary>
    private static void AppArmor(V1AppArmorProfile? profile, string path, FieldErrors errors)
    {
        if (profile is null) return;
        var localhost = profile.LocalhostProfile;
        switch (profile.Type)
        {
            case "Localhost":
                if (localhost is null)
                {
                    errors.Required($"{path}.localhostProfile", "must be set when AppArmor type is Localhost");
                    break;
                }
                if (localhost.Trim() != localhost) errors.Invalid($"{path}.localhostProfile", localhost, "must not be padded with whitespace");
                else if (localhost.Length == 0) errors.Required($"{path}.localhostProfile", "must be set when AppArmor type is Localhost");
                if (localhost.Length > 4095) errors.Add(FieldError.TooLong($"{path}.localhostProfile", 4095));
                break;
            case "RuntimeDefault" or "Unconfined":
                if (localhost is not null) errors.Invalid($"{path}.localhostProfile", localhost, "can only be set when AppArmor type is Localhost");
                break;
            case null or "":
                errors.Required($"{path}.type", "type is required when appArmorProfile is set");
                break;
            default:
                errors.NotSupported($"{path}.type", profile.Type, "Localhost", "RuntimeDefault", "Unconfined");
                break;
        }
    }

    /// <summary>
    /// validateSysctls: syntax, duplicates (by the name as written), and no sysctl of a namespace the
    /// pod shares with the host (ValidateHostSysctl with k8s.io/component-helpers/node/util/sysctl namespaces).
    /// </summary>
    private static void Sysctls(IList<V1Sysctl>? sysctls, bool hostNetwork, bool hostIpc, string path, FieldErrors errors)
    {
        var names = new HashSet<string>();
        for (var i = 0; i < (sysctls?.Count ?? 0); i++)
        {
            var name = sysctls![i].Name ?? "";
            var at = $"{path}[{i}].name";
            if (name.Length == 0) errors.Required(at);
            else if (name.Length > 253 || !SysctlRegex().IsMatch(name))
                errors.Invalid(at, name, "must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$");
            else if (names.Contains(name)) errors.Duplicate(at, name);
            var ns = Namespace(name);
            if (hostNetwork && ns == "net") errors.Invalid(at, name, "may not be specified when 'hostNetwork' is true");
            else if (hostIpc && ns == "ipc") errors.Invalid(at, name, "may not be specified when 'hostIPC' is true");
            names.Add(name);
        }
    }

    /// <summary>sysctl.GetNamespace on the dotted form of the name (a name written with "/" first is normalized).</summary>
    private static string? Namespace(string name)
    {
        var dot = name.IndexOf('.');
        var slash = name.IndexOf('/');
        var normalized = slash >= 0 && (dot < 0 || slash < dot) ? name.Replace('.', '\0').Replace('/', '.').Replace('\0', '/') : name;
        if (normalized is "kernel.sem") return "ipc";
        if (normalized is "kernel.domainname" or "kernel.hostname") return "uts";
        if (normalized.StartsWith("kernel.shm") || normalized.StartsWith("kernel.msg") || normalized.StartsWith("fs.mqueue.")) return "ipc";
        return normalized.StartsWith("net.") ? "net" : null;
    }

    [GeneratedRegex("^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?\\z")]
    private static partial Regex SysctlRegex();
}
