using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>
/// Downward API selectors as pkg/apis/core/validation/validation.go checks them
/// (validateObjectFieldSelector, validateContainerResourceFieldSelector, validateContainerResourceDivisor),
/// with the field-label conversion of pkg/apis/core/pods.ConvertDownwardAPIFieldLabel.
/// </summary>
internal static class DownwardApi
{
    /// <summary>The labels ConvertDownwardAPIFieldLabel accepts for a v1 pod.</summary>
    private static readonly HashSet<string> ConvertibleLabels =
    [
        "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid",
        "spec.nodeName", "spec.restartPolicy", "spec.serviceAccountName", "spec.schedulerName",
        "status.phase", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
    ];

    /// <summary>validContainerResourceFieldPathExpressions, sorted as sets.List prints them.</summary>
    private static readonly string[] Resources = ["limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"];

    private static readonly HashSet<string> CpuDivisors = ["1m", "1"];
    private static readonly HashSet<string> ByteDivisors = ["1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"];
    private const string ByteDivisorList = "1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei";

    /// <param name="allowed">The unsubscripted paths allowed where the selector is used, sorted.</param>
    public static void FieldSelector(V1ObjectFieldSelector selector, IReadOnlyCollection<string> allowed, string path, FieldErrors errors)
    {
        // SetDefaults_ObjectFieldSelector fills an empty apiVersion with "v1".
        var version = string.IsNullOrEmpty(selector.ApiVersion) ? "v1" : selector.ApiVersion;
        var label = selector.FieldPath ?? "";
        if (label.Length == 0)
        {
            errors.Required($"{path}.fieldPath");
            return;
        }
        if (Convert(version, label) is { Error: { } problem })
        {
            errors.Invalid($"{path}.fieldPath", label, $"error converting fieldPath: {problem}");
            return;
        }
        var converted = Convert(version, label).Label!;
        if (SplitSubscript(converted) is var (field, subscript))
        {
            // Annotation keys are matched case-insensitively, label keys are not.
            var key = field == "metadata.annotations" ? subscript.ToLowerInvariant() : subscript;
            errors.Each(path, key, Names.QualifiedName(key));
        }
        else if (!allowed.Contains(converted))
        {
            errors.NotSupported($"{path}.fieldPath", converted, allowed.ToArray());
        }
    }

    /// <summary>validateContainerResourceFieldSelector; a volume file must also name its container.</summary>
    public static void ResourceSelector(V1ResourceFieldSelector selector, string path, bool volume, FieldErrors errors)
    {
        var resource = selector.Resource ?? "";
        if (volume && string.IsNullOrEmpty(selector.ContainerName)) errors.Required($"{path}.containerName");
        else if (resource.Length == 0) errors.Required($"{path}.resource");
        else if (!Resources.Contains(resource) && !IsHugePages(resource)) errors.NotSupported($"{path}.resource", resource, Resources);
        Divisor(resource, selector.Divisor, path, errors);
    }

    /// <summary>validateContainerResourceDivisor: a zero divisor is unset; otherwise one of the unit values, compared as canonical strings.</summary>
    private static void Divisor(string resource, ResourceQuantity? divisor, string path, FieldErrors errors)
    {
        if (divisor is null || divisor.ToDecimal() == 0) return;
        var text = ResourceValidator.Text(divisor);
        var at = $"{path}.divisor";
        switch (resource)
        {
            case "limits.cpu" or "requests.cpu" when !CpuDivisors.Contains(text):
                errors.Invalid(at, resource, "only divisor's values 1m and 1 are supported with the cpu resource");
                break;
            case "limits.memory" or "requests.memory" when !ByteDivisors.Contains(text):
                errors.Invalid(at, resource, $"only divisor's values {ByteDivisorList} are supported with the memory resource");
                break;
            case "limits.ephemeral-storage" or "requests.ephemeral-storage" when !ByteDivisors.Contains(text):
                errors.Invalid(at, resource, $"only divisor's values {ByteDivisorList} are supported with the local ephemeral storage resource");
                break;
        }
        if (IsHugePages(resource) && !ByteDivisors.Contains(text))
            errors.Invalid(at, resource, $"only divisor's values {ByteDivisorList} are supported with the hugepages resource");
    }

    private static bool IsHugePages(string resource) => resource.StartsWith("requests.hugepages-") || resource.StartsWith("limits.hugepages-");

    /// <summary>ConvertDownwardAPIFieldLabel: the internal label, or the conversion error's text.</summary>
    private static (string? Label, string? Error) Convert(string version, string label)
    {
        if (version != "v1") return (null, $"unsupported pod version: {version}");
        if (SplitSubscript(label) is var (field, _))
            return field is "metadata.annotations" or "metadata.labels" ? (label, null) : (null, $"field label does not support subscript: {label}");
        if (label == "spec.host") return ("spec.nodeName", null);
        return ConvertibleLabels.Contains(label) ? (label, null) : (null, $"field label not supported: {label}");
    }

    /// <summary>fieldpath.SplitMaybeSubscriptedPath: "metadata.labels['key']" into the path and the key.</summary>
    private static (string Path, string Subscript)? SplitSubscript(string fieldPath)
    {
        if (!fieldPath.EndsWith("']")) return null;
        var trimmed = fieldPath[..^2];
        var open = trimmed.IndexOf("['", StringComparison.Ordinal);
        if (open <= 0) return null;
        return (trimmed[..open], trimmed[(open + 2)..]);
    }
}
