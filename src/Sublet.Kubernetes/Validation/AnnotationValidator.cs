using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>
/// ValidatePodSpecificAnnotations of pkg/apis/core/validation/validation.go: the annotations the API
/// server gives a meaning to on a pod (mirror pods, deletion cost, the deprecated seccomp and
/// AppArmor annotations).
/// </summary>
internal static class AnnotationValidator
{
    private const string Mirror = "kubernetes.io/config.mirror";
    private const string DeletionCost = "controller.kubernetes.io/pod-deletion-cost";
    private const string SeccompPod = "seccomp.security.alpha.kubernetes.io/pod";
    private const string SeccompContainerPrefix = "container.seccomp.security.alpha.kubernetes.io/";
    private const string AppArmorPrefix = "container.apparmor.security.beta.kubernetes.io/";

    public static void Validate(IDictionary<string, string>? annotations, V1PodSpec? spec, FieldErrors errors)
    {
        if (annotations is null) return;
        if (annotations.TryGetValue(Mirror, out var mirror) && string.IsNullOrEmpty(spec?.NodeName))
            errors.Invalid($"metadata.annotations[{Mirror}]", mirror, "must set spec.nodeName if mirror pod annotation is set");
        if (annotations.TryGetValue(DeletionCost, out var cost) && !IsDeletionCost(cost))
            errors.Invalid($"metadata.annotations[{DeletionCost}]", cost, "must be a 32bit integer");
        // The seccomp annotation errors are reported at a child path (".key"), not a key ("[key]"), as upstream does.
        if (annotations.TryGetValue(SeccompPod, out var podProfile)) SeccompProfile(podProfile, $"metadata.annotations.{SeccompPod}", errors);
        foreach (var (key, value) in annotations.Where(a => a.Key.StartsWith(SeccompContainerPrefix)))
            SeccompProfile(value, $"metadata.annotations.{key}", errors);
        foreach (var (key, value) in annotations.Where(a => a.Key.StartsWith(AppArmorPrefix)))
        {
            var container = key[AppArmorPrefix.Length..];
            if (!ContainerNames(spec).Contains(container)) errors.Invalid($"metadata.annotations[{key}]", container, "container not found");
            if (value is not ("" or "runtime/default" or "unconfined") && !value.StartsWith("localhost/"))
                errors.Invalid($"metadata.annotations[{key}]", value, $"invalid AppArmor profile name: {FieldError.Quote(value)}");
        }
    }

    /// <summary>GetDeletionCostFromPodAnnotations: a decimal int32 without a plus sign or leading zeros.</summary>
    private static bool IsDeletionCost(string value)
    {
        if (value.Length == 0) return false;
        var first = value[0];
        if (!(first == '-' || value == "0" || first is >= '1' and <= '9')) return false;
        return value.Skip(first == '-' ? 1 : 0).All(char.IsAsciiDigit) && int.TryParse(value, out _);
    }

    /// <summary>ValidateSeccompProfile: runtime/default, docker/default, unconfined or localhost/&lt;local path&gt;.</summary>
    private static void SeccompProfile(string profile, string path, FieldErrors errors)
    {
        if (profile is "runtime/default" or "docker/default" or "unconfined") return;
        if (profile.StartsWith("localhost/")) Paths.LocalDescending(profile["localhost/".Length..], path, errors);
        else errors.Invalid(path, profile, "must be a valid seccomp profile");
    }

    private static HashSet<string> ContainerNames(V1PodSpec? spec) =>
        (spec?.InitContainers ?? []).Concat(spec?.Containers ?? []).Select(c => c.Name ?? "")
            .Concat((spec?.EphemeralContainers ?? []).Select(c => c.Name ?? "")).ToHashSet();
}
