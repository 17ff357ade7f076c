using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>
/// Dynamic resource allocation references: validatePodResourceClaims and validateResourceClaimNames
/// of pkg/apis/core/validation/validation.go. Sublet allocates no devices; the claims are validated
/// as the API server validates them and the translator refuses them.
/// </summary>
internal static class ClaimValidator
{
    /// <summary>gatherPodResourceClaimNames: the non-empty names containers may refer to.</summary>
    public static HashSet<string> Names(IList<V1PodResourceClaim>? claims) =>
        (claims ?? []).Select(c => c.Name ?? "").Where(n => n.Length > 0).ToHashSet();

    public static void PodClaims(IList<V1PodResourceClaim>? claims, FieldErrors errors)
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < (claims?.Count ?? 0); i++)
        {
            var claim = claims![i];
            var path = $"spec.resourceClaims[{i}]";
            var name = claim.Name ?? "";
            if (name.Length == 0) errors.Required($"{path}.name");
            else if (!seen.Add(name)) errors.Duplicate($"{path}.name", name);
            else errors.Each($"{path}.name", name, Validation.Names.Label(name));
            if (claim.ResourceClaimName is not null && claim.ResourceClaimTemplateName is not null)
                errors.Add(new FieldError(path, "Invalid value", GoValue(claim), "at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified"));
            if (claim.ResourceClaimName is null && claim.ResourceClaimTemplateName is null)
                errors.Add(new FieldError(path, "Invalid value", GoValue(claim), "must specify one of: `resourceClaimName`, `resourceClaimTemplateName`"));
            if (claim.ResourceClaimName is { } claimName)
                errors.Each($"{path}.resourceClaimName", claimName, Validation.Names.Subdomain(claimName));
            if (claim.ResourceClaimTemplateName is { } template)
                errors.Each($"{path}.resourceClaimTemplateName", template, Validation.Names.Subdomain(template));
        }
    }

    /// <summary>
    /// validateResourceClaimNames: a container's resources.claims name pod claims, once each (a whole
    /// claim overlaps every request of it), and an unknown name lists the pod's claims.
    /// </summary>
    public static void ContainerClaims(IList<Corev1ResourceClaim>? claims, ISet<string> podClaims, string field, FieldErrors errors)
    {
        var names = new HashSet<string>();
        for (var i = 0; i < (claims?.Count ?? 0); i++)
        {
            var claim = claims![i];
            var path = $"{field}[{i}]";
            var name = claim.Name ?? "";
            if (name.Length == 0)
            {
                errors.Required(path);
                continue;
            }
            if (names.Contains(name))
            {
                errors.Duplicate(path, name);
            }
            else
            {
                var request = claim.Request ?? "";
                var key = name;
                if (request.Length > 0)
                {
                    errors.Each($"{path}.request", request, Validation.Names.Label(request));
                    key += "/" + request;
                }
                if (names.Contains(key)) errors.Duplicate(path, key);
                else if (request.Length == 0)
                {
                    // A whole claim after one of its requests: one Duplicate per request seen.
                    var overlaps = names.Count(k => k.IndexOf('/') is var slash && slash >= 0 && k[..slash] == name);
                    for (var n = 0; n < overlaps; n++) errors.Duplicate(path, name);
                }
                names.Add(key);
            }
            if (!podClaims.Contains(name))
            {
                var known = podClaims.Count == 0 ? " which is empty" : ": " + string.Join(", ", podClaims.Order(StringComparer.Ordinal));
                errors.Add(new FieldError(path, "Not found", FieldError.Quote(name), "must be one of the names in pod.spec.resourceClaims" + known));
            }
        }
    }

    /// <summary>
    /// The claim as field.Error prints a struct (%#v of core.PodResourceClaim). A set pointer prints as
    /// its address in Go, which no two servers share; Sublet prints a fixed placeholder there.
    /// </summary>
    private static string GoValue(V1PodResourceClaim claim) =>
        $"core.PodResourceClaim{{Name:{FieldError.Quote(claim.Name ?? "")}, ResourceClaimName:{Pointer(claim.ResourceClaimName)}, ResourceClaimTemplateName:{Pointer(claim.ResourceClaimTemplateName)}}}";

    private static string Pointer(string? value) => value is null ? "(*string)(nil)" : "(*string)(0xc000000000)";
}
