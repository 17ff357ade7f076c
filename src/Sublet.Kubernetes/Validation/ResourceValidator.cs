using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>ValidateContainerResourceRequirements of pkg/apis/core/validation/validation.go.</summary>
internal static class ResourceValidator
{
    /// <param name="podLevel">spec.resources (validatePodResourceName) rather than a container's (validateContainerResourceName).</param>
    public static void Validate(V1ResourceRequirements? resources, string path, ISet<string> podClaims, FieldErrors errors, bool podLevel = false)
    {
        if (resources is null) return;
        var limits = Values(resources.Limits, $"{path}.limits", podLevel, errors);
        var requests = Values(resources.Requests, $"{path}.requests", podLevel, errors);
        foreach (var (name, (text, value)) in requests)
        {
            // Extended resources and hugepages cannot be overcommitted: request equals limit (helper.IsOvercommitAllowed).
            var overcommit = IsNative(name) && !name.StartsWith("hugepages-");
            if (!limits.TryGetValue(name, out var limit))
            {
                if (!overcommit) errors.Required($"{path}.limits", "Limit must be set for non overcommitable resources");
                continue;
            }
            if (!overcommit && value != limit.Value)
                errors.Invalid($"{path}.requests", text, $"must be equal to {name} limit of {limit.Text}");
            else if (value > limit.Value)
                errors.Invalid($"{path}.requests", text, $"must be less than or equal to {name} limit of {limit.Text}");
        }
        if (limits.Keys.Concat(requests.Keys).Any(k => k.StartsWith("hugepages-")) &&
            !limits.Keys.Concat(requests.Keys).Any(k => k is "cpu" or "memory"))
            errors.Forbidden(path, "HugePages require cpu or memory");
        ClaimValidator.ContainerClaims(resources.Claims, podClaims, $"{path}.claims", errors);
    }

    /// <summary>
    /// A quantity as resource.Quantity.String() prints it. KubernetesClient canonicalizes negative
    /// values wrongly ("-1" as "-0.000000000000000001E"), so the magnitude is canonicalized and signed.
    /// </summary>
    public static string Text(ResourceQuantity quantity)
    {
        var value = quantity.ToDecimal();
        return value >= 0 ? quantity.CanonicalizeString() : "-" + new ResourceQuantity(-value, 0, quantity.Format).CanonicalizeString();
    }

    /// <summary>helper.standardResources plus the quota hugepage names (IsStandardResourceName).</summary>
    private static readonly HashSet<string> StandardResources =
    [
        "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage",
        "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "resourcequotas", "services",
        "replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims", "storage", "requests.storage",
        "services.nodeports", "services.loadbalancers",
    ];

    /// <summary>
    /// validateContainerResourceName then ValidateResourceQuantityValue for each entry. As upstream, a
    /// bad name does not stop the quantity checks, and the request/limit comparison sees every entry.
    /// </summary>
    private static Dictionary<string, (string Text, decimal Value)> Values(IDictionary<string, ResourceQuantity>? map, string field, bool podLevel, FieldErrors errors)
    {
        var values = new Dictionary<string, (string, decimal)>();
        foreach (var (name, quantity) in map ?? new Dictionary<string, ResourceQuantity>())
        {
            var path = $"{field}[{name}]";
            if (podLevel) PodResourceName(name, path, errors);
            else ContainerResourceName(name, path, errors);
            var text = quantity is null ? "" : Text(quantity);
            var value = quantity?.ToDecimal() ?? 0;
            if (value < 0) errors.Invalid(path, text, "must be greater than or equal to 0");
            // IsIntegerResourceName: extended resources are counted in whole units.
            if (IsExtended(name) && value != decimal.Truncate(value)) errors.Invalid(path, text, "must be an integer");
            values[name] = (text, value);
        }
        return values;
    }

    /// <summary>validateResourceName: a qualified name, and a standard resource unless it is prefixed. True when valid.</summary>
    private static bool ResourceName(string name, string path, FieldErrors errors)
    {
        var qualified = Names.QualifiedName(name).ToList();
        errors.Each(path, name, qualified);
        if (qualified.Count > 0) return false;
        if (name.Contains('/') || StandardResources.Contains(name) || name.StartsWith("hugepages-") || name.StartsWith("requests.hugepages-")) return true;
        errors.Invalid(path, name, "must be a standard resource type or fully qualified");
        return false;
    }

    /// <summary>validatePodResourceName: cpu, memory and hugepages only (resourcehelper.SupportedPodLevelResources).</summary>
    private static void PodResourceName(string name, string path, FieldErrors errors)
    {
        if (ResourceName(name, path, errors) && !(name is "cpu" or "memory" || name.StartsWith("hugepages-")))
            errors.NotSupported(path, name, "cpu", "hugepages-", "memory");
    }

    /// <summary>validateResourceName, then the container rules: a standard container resource or an extended resource name.</summary>
    private static void ContainerResourceName(string name, string path, FieldErrors errors)
    {
        ResourceName(name, path, errors);
        var unprefixed = !name.Contains('/');
        if (unprefixed && !(name is "cpu" or "memory" or "ephemeral-storage" || name.StartsWith("hugepages-")))
            errors.Invalid(path, name, "must be a standard resource for containers");
        else if (!unprefixed && !IsNative(name) && !IsExtended(name))
            errors.Invalid(path, name, "doesn't follow extended resource name standard");
    }

    /// <summary>IsNativeResource: unprefixed or in the kubernetes.io domain.</summary>
    private static bool IsNative(string name) => !name.Contains('/') || name.Contains("kubernetes.io/");

    /// <summary>IsExtendedResourceName: not native, not "requests.", and "requests." + name a qualified name.</summary>
    private static bool IsExtended(string name) =>
        !IsNative(name) && !name.StartsWith("requests.") && !Names.QualifiedName("requests." + name).Any();
}
