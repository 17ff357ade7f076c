using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>
/// validateOS, validateLinux and validateWindows of pkg/apis/core/validation/validation.go: a pod that
/// names its OS may only set the fields that OS has. (The kubelet then refuses a windows pod on this
/// Linux node; see Admission/NodeAdmission.)
/// </summary>
internal static class OsValidator
{
    private const string NotForWindows = "cannot be set for a windows pod";

    public static void Validate(V1PodSpec spec, FieldErrors errors)
    {
        if (spec.Os is not { } os) return;
        if (string.IsNullOrEmpty(os.Name))
        {
            errors.Required("spec.os.name");
            return;
        }
        // An unknown name is reported at spec.os itself, and stops the OS-specific rules.
        if (os.Name == "linux") Linux(spec, errors);
        else if (os.Name == "windows") Windows(spec, errors);
        else errors.NotSupported("spec.os", os.Name, "linux", "windows");
    }

    /// <summary>validateLinux: Windows options have no meaning for a Linux pod.</summary>
    private static void Linux(V1PodSpec spec, FieldErrors errors)
    {
        if (spec.SecurityContext?.WindowsOptions is not null)
            errors.Forbidden("spec.securityContext.windowsOptions", "windows options cannot be set for a linux pod");
        foreach (var (path, sc) in ContainerContexts(spec))
        {
            if (sc.WindowsOptions is not null) errors.Forbidden($"{path}.windowsOptions", "windows options cannot be set for a linux pod");
        }
    }

    /// <summary>validateWindows: the Linux-only pod and container security fields, in upstream's order.</summary>
    private static void Windows(V1PodSpec spec, FieldErrors errors)
    {
        var sc = spec.SecurityContext;
        const string path = "spec.securityContext";
        (string Field, bool Set)[] pod =
        [
            ($"{path}.appArmorProfile", sc?.AppArmorProfile is not null), ($"{path}.seLinuxOptions", sc?.SeLinuxOptions is not null),
            ("spec.hostUsers", spec.HostUsers is not null), ("spec.hostPID", spec.HostPID == true), ("spec.hostIPC", spec.HostIPC == true),
            ($"{path}.seccompProfile", sc?.SeccompProfile is not null), ($"{path}.fsGroup", sc?.FsGroup is not null),
            ($"{path}.fsGroupChangePolicy", sc?.FsGroupChangePolicy is not null), ($"{path}.sysctls", sc?.Sysctls is { Count: > 0 }),
            ("spec.shareProcessNamespace", spec.ShareProcessNamespace is not null), ($"{path}.runAsUser", sc?.RunAsUser is not null),
            ($"{path}.runAsGroup", sc?.RunAsGroup is not null), ($"{path}.supplementalGroups", sc?.SupplementalGroups is not null),
            ($"{path}.supplementalGroupsPolicy", sc?.SupplementalGroupsPolicy is not null), ($"{path}.seLinuxChangePolicy", sc?.SeLinuxChangePolicy is not null),
        ];
        foreach (var (field, set) in pod.Where(p => p.Set)) errors.Forbidden(field, NotForWindows);
        foreach (var (at, c) in ContainerContexts(spec))
        {
            (string Field, object? Value)[] fields =
            [
                ("appArmorProfile", c.AppArmorProfile), ("seLinuxOptions", c.SeLinuxOptions), ("seccompProfile", c.SeccompProfile),
                ("capabilities", c.Capabilities), ("readOnlyRootFilesystem", c.ReadOnlyRootFilesystem), ("privileged", c.Privileged),
                ("allowPrivilegeEscalation", c.AllowPrivilegeEscalation), ("procMount", c.ProcMount), ("runAsUser", c.RunAsUser),
                ("runAsGroup", c.RunAsGroup),
            ];
            foreach (var (field, _) in fields.Where(f => f.Value is not null)) errors.Forbidden($"{at}.{field}", NotForWindows);
        }
    }

    /// <summary>VisitContainersWithPath order: init containers, then app containers; those with a security context.</summary>
    private static IEnumerable<(string Path, V1SecurityContext Context)> ContainerContexts(V1PodSpec spec)
    {
        foreach (var (field, list) in ContainerValidator.Lists(spec))
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].SecurityContext is { } sc) yield return ($"{field}[{i}].securityContext", sc);
            }
        }
    }
}
