using System.Text.RegularExpressions;
using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>validatePodSpecSecurityContext and ValidateSecurityContext of pkg/apis/core/validation/validation.go.</summary>
internal static partial class SecurityContextValidator
{
    public static void ValidatePod(V1PodSpec spec, FieldErrors errors)
    {
        if (spec.SecurityContext is not { } sc) return;
        const string path = "spec.securityContext";
        Id(sc.RunAsUser, $"{path}.runAsUser", errors);
        Id(sc.RunAsGroup, $"{path}.runAsGroup", errors);
        Id(sc.FsGroup, $"{path}.fsGroup", errors);
        for (var i = 0; i < (sc.SupplementalGroups?.Count ?? 0); i++) Id(sc.SupplementalGroups![i], $"{path}.supplementalGroups[{i}]", errors);
        if (sc.FsGroupChangePolicy is { } fcp && fcp is not ("OnRootMismatch" or "Always"))
            errors.NotSupported($"{path}.fsGroupChangePolicy", fcp, "Always", "OnRootMismatch");
        if (sc.SupplementalGroupsPolicy is { } sgp && sgp is not ("Merge" or "Strict"))
            errors.NotSupported($"{path}.supplementalGroupsPolicy", sgp, "Merge", "Strict");
        if (sc.SeLinuxChangePolicy is { } slp && slp is not ("Recursive" or "MountOption"))
            errors.NotSupported($"{path}.seLinuxChangePolicy", slp, "MountOption", "Recursive");
        Seccomp(sc.SeccompProfile, $"{path}.seccompProfile", errors);
        AppArmor(sc.AppArmorProfile, $"{path}.appArmorProfile", errors);
        Sysctls(sc.Sysctls, spec.HostNetwork == true, $"{path}.sysctls", errors);
    }

    public static void ValidateContainer(V1SecurityContext? sc, string path, bool hostUsers, FieldErrors errors)
    {
        if (sc is null) return;
        Id(sc.RunAsUser, $"{path}.runAsUser", errors);
        Id(sc.RunAsGroup, $"{path}.runAsGroup", errors);
        if (sc.ProcMount is { } pm)
        {
            if (pm is not ("Default" or "Unmasked")) errors.NotSupported($"{path}.procMount", pm, "Default", "Unmasked");
            else if (pm == "Unmasked" && hostUsers) errors.Invalid($"{path}.procMount", pm, "`hostUsers` must be false to use `Unmasked`");
        }
        if (sc.AllowPrivilegeEscalation == false)
        {
            if (sc.Privileged == true)
                errors.Invalid(path, "", "cannot set `allowPrivilegeEscalation` to false and `privileged` to true");
            if (sc.Capabilities?.Add?.Contains("CAP_SYS_ADMIN") == true)
                errors.Invalid(path, "", "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN");
        }
        Seccomp(sc.SeccompProfile, $"{path}.seccompProfile", errors);
        AppArmor(sc.AppArmorProfile, $"{path}.appArmorProfile", errors);
    }

    private static void Id(long? id, string path, FieldErrors errors)
    {
        if (id is { } v) errors.Each(path, v, Validation.Names.Id(v));
    }

    /// <summary>validateSeccompProfileField.</summary>
    private static void Seccomp(V1SeccompProfile? profile, string path, FieldErrors errors)
    {
        if (profile is null) return;
        Profile(profile.Type, profile.LocalhostProfile, path, "seccomp", errors,
            localhost => Paths.LocalDescending(localhost, $"{path}.localhostProfile", errors));
    }

    /// <summary>validateAppArmorProfileField.</summary>
    private static void AppArmor(V1AppArmorProfile? profile, string path, FieldErrors errors)
    {
        if (profile is null) return;
        Profile(profile.Type, profile.LocalhostProfile, path, "AppArmor", errors, localhost =>
        {
            if (localhost.Length > 4095) errors.Add(FieldError.TooLong($"{path}.localhostProfile", 4095));
        });
    }

    /// <summary>The shape both profile fields share: a type, and a localhostProfile only with type Localhost.</summary>
    private static void Profile(string? type, string? localhost, string path, string kind, FieldErrors errors, Action<string> checkLocalhost)
    {
        switch (type)
        {
            case "Localhost":
                if (string.IsNullOrWhiteSpace(localhost)) errors.Required($"{path}.localhostProfile", $"must be set when {kind} type is Localhost");
                else checkLocalhost(localhost);
                break;
            case "RuntimeDefault" or "Unconfined":
                if (localhost is not null) errors.Invalid($"{path}.localhostProfile", localhost, $"can only be set when {kind} type is Localhost");
                break;
            case null or "":
                errors.Required($"{path}.type");
                break;
            default:
                errors.NotSupported($"{path}.type", type, "Localhost", "RuntimeDefault", "Unconfined");
                break;
        }
    }

    /// <summary>validateSysctls: syntax, duplicates, and no host-network sysctls with hostNetwork.</summary>
    private static void Sysctls(IList<V1Sysctl>? sysctls, bool hostNetwork, string path, FieldErrors errors)
    {
        var names = new HashSet<string>();
        for (var i = 0; i < (sysctls?.Count ?? 0); i++)
        {
            var name = sysctls![i].Name ?? "";
            var at = $"{path}[{i}].name";
            if (name.Length == 0) errors.Required(at);
            else if (name.Length > 253 || !SysctlRegex().IsMatch(name))
                errors.Invalid(at, name, "must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$");
            else if (!names.Add(name.Replace('/', '.'))) errors.Duplicate(at, name);
            else if (hostNetwork && (name.StartsWith("net.") || name.StartsWith("net/")))
                errors.Invalid(at, name, "may not be specified when 'hostNetwork' is true");
        }
    }

    [GeneratedRegex("^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$")]
    private static partial Regex SysctlRegex();
}
