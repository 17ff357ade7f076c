using Sublet.Runtime.Config;
using Sublet.Kubelet.Plan;
using Sublet.Runtime.Sandboxes;
using k8s.Models;

namespace Sublet.Kubernetes.Manifests;

/// <summary>What the node allows: where Localhost seccomp profiles live, and which unsafe sysctls pods may set (kubelet <c>allowedUnsafeSysctls</c>).</summary>
public sealed record SecuritySettings(string SeccompProfileRoot, IReadOnlyList<string> AllowedUnsafeSysctls)
{
    /// <summary>The node's memory, for Burstable containers' OOM score (default: MemTotal of this host).</summary>
    public long MemoryCapacity { get; init; } = OomScore.MemoryCapacity();

    public static SecuritySettings From(NodeConfig config) =>
        new(config.SeccompProfileRoot ?? Path.Combine(config.StateRoot, "seccomp"), config.AllowedUnsafeSysctls);
}

/// <summary>
/// securityContext → <see cref="ContainerSecurity"/>: the container's fields over the pod's
/// (pkg/securitycontext DetermineEffectiveSecurityContext), the API validation that concerns them
/// (pkg/apis/core/validation ValidateSecurityContext, validateSeccompProfileField,
/// validateProcMount), and what Sublet cannot enforce refused by path.
/// </summary>
internal static class SecurityTranslator
{
    public static ContainerSecurity Container(V1PodSpec spec, V1Container c, string path, SecuritySettings settings, List<string> problems)
    {
        var sc = c.SecurityContext;
        var psc = spec.SecurityContext;
        var scPath = $"{path}.securityContext";
        var privileged = sc?.Privileged == true;
        var add = sc?.Capabilities?.Add?.ToList() ?? [];
        if (sc?.AllowPrivilegeEscalation == false)
        {
            if (privileged)
            {
                problems.Add($"{scPath}: Invalid value: cannot set `allowPrivilegeEscalation` to false and `privileged` to true");
            }
            if (add.Contains("CAP_SYS_ADMIN"))
            {
                problems.Add($"{scPath}: Invalid value: cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN");
            }
        }
        Unsupported(problems, sc?.SeLinuxOptions is not null, $"{scPath}.seLinuxOptions");
        Unsupported(problems, sc?.AppArmorProfile is { Type: not "Unconfined" }, $"{scPath}.appArmorProfile");
        return new ContainerSecurity
        {
            Privileged = privileged,
            AddCapabilities = add,
            DropCapabilities = sc?.Capabilities?.Drop?.ToList() ?? [],
            // kubelet AddNoNewPrivileges: only an explicit false sets no_new_privs.
            NoNewPrivileges = sc?.AllowPrivilegeEscalation == false,
            ReadOnlyRootFilesystem = sc?.ReadOnlyRootFilesystem == true,
            RunAsNonRoot = (sc?.RunAsNonRoot ?? psc?.RunAsNonRoot) == true,
            // The kubelet adds fsGroup to the process's groups too (kuberuntime determineEffectiveSecurityContext).
            SupplementalGroups = [.. (psc?.SupplementalGroups ?? []).OfType<long>(), .. (psc?.FsGroup is { } fs ? [fs] : Array.Empty<long>())],
            SupplementalGroupsPolicy = psc?.SupplementalGroupsPolicy == "Strict" ? SupplementalGroupsPolicy.Strict : SupplementalGroupsPolicy.Merge,
            Seccomp = sc?.SeccompProfile is { } own ? Seccomp(own, $"{scPath}.seccompProfile", settings, problems)
                : psc?.SeccompProfile is { } pod ? Seccomp(pod, "spec.securityContext.seccompProfile", settings, problems)
                : SeccompProfile.Unconfined,
            UnmaskedProc = ProcMount(sc?.ProcMount, spec.HostUsers ?? true, $"{scPath}.procMount", problems),
        };
    }

    /// <summary>Pod-level fields checked once: group IDs, the groups policy, what cannot be enforced.</summary>
    public static void CheckPod(V1PodSpec spec, List<string> problems)
    {
        var psc = spec.SecurityContext;
        for (var i = 0; i < (psc?.SupplementalGroups?.Count ?? 0); i++)
        {
            var id = psc!.SupplementalGroups![i];
            if (id is < 0 or > int.MaxValue)
            {
                problems.Add($"spec.securityContext.supplementalGroups[{i}]: Invalid value: {id}: must be between 0 and 2147483647, inclusive");
            }
        }
        if (psc?.FsGroup is < 0 or > int.MaxValue)
        {
            problems.Add($"spec.securityContext.fsGroup: Invalid value: {psc.FsGroup}: must be between 0 and 2147483647, inclusive");
        }
        if (psc?.SupplementalGroupsPolicy is { } policy and not ("Merge" or "Strict"))
        {
            problems.Add($"spec.securityContext.supplementalGroupsPolicy: Unsupported value: \"{policy}\": supported values: \"Merge\", \"Strict\"");
        }
        Unsupported(problems, psc?.SeLinuxOptions is not null, "spec.securityContext.seLinuxOptions");
        Unsupported(problems, psc?.AppArmorProfile is { Type: not "Unconfined" }, "spec.securityContext.appArmorProfile");
    }

    /// <summary>
    /// RuntimeDefault, Unconfined, or Localhost: a relative path without ".." below the node's
    /// profile directory (validateLocalDescendingPath; the kubelet joins it to its seccomp root).
    /// </summary>
    private static SeccompProfile Seccomp(V1SeccompProfile profile, string path, SecuritySettings settings, List<string> problems)
    {
        switch (profile.Type)
        {
            case "RuntimeDefault":
                return SeccompProfile.RuntimeDefault;
            case "Unconfined":
                return SeccompProfile.Unconfined;
            case "Localhost":
                var relative = profile.LocalhostProfile;
                if (string.IsNullOrEmpty(relative))
                {
                    problems.Add($"{path}.localhostProfile: Required value: must be set when seccomp type is Localhost");
                    return SeccompProfile.Unconfined;
                }
                var root = Path.GetFullPath(settings.SeccompProfileRoot);
                var full = Path.GetFullPath(Path.Combine(root, relative));
                if (Path.IsPathRooted(relative) || relative.Split('/', '\\').Contains("..")
                    || !full.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal))
                {
                    problems.Add($"{path}.localhostProfile: Invalid value: \"{relative}\": must be a relative path below the node's seccomp profile directory, without '..'");
                    return SeccompProfile.Unconfined;
                }
                return new SeccompProfile(SeccompProfileType.Localhost, full);
            default:
                problems.Add($"{path}.type: Unsupported value: \"{profile.Type}\": supported values: \"Localhost\", \"RuntimeDefault\", \"Unconfined\"");
                return SeccompProfile.Unconfined;
        }
    }

    /// <summary>procMount Unmasked needs a pod user namespace (validateProcMount, since Kubernetes 1.30).</summary>
    private static bool ProcMount(string? procMount, bool hostUsers, string path, List<string> problems)
    {
        switch (procMount)
        {
            case null or "Default":
                return false;
            case "Unmasked" when hostUsers:
                problems.Add($"{path}: Invalid value: \"Unmasked\": `hostUsers` must be false to use `Unmasked`");
                return false;
            case "Unmasked":
                return true;
            default:
                problems.Add($"{path}: Unsupported value: \"{procMount}\": supported values: \"Default\", \"Unmasked\"");
                return false;
        }
    }

    private static void Unsupported(List<string> problems, bool present, string path)
    {
        if (present)
        {
            problems.Add($"{path}: Unsupported value: sublet does not support this field yet, and will not run the pod without it");
        }
    }
}
