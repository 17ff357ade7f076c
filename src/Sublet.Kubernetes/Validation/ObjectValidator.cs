using k8s.Models;
using Sublet.Kubernetes.Manifests;

namespace Sublet.Kubernetes.Validation;

/// <summary>
/// What the API server checks before it stores a ConfigMap, Secret or Namespace
/// (pkg/apis/core/validation ValidateConfigMap, ValidateSecret, ValidateNamespace): names, and
/// keys that are safe file names in a volume. One message per invalid object, kubectl style.
/// </summary>
public static class ObjectValidator
{
    public static IReadOnlyList<string> Check(Manifest manifest)
    {
        var errors = new List<string>();
        foreach (var n in manifest.Namespaces)
        {
            Report(errors, "Namespace", n.Metadata?.Name, Name(n.Metadata, Dns1123.Label, namespaced: false).ToList());
        }
        foreach (var c in manifest.ConfigMaps)
        {
            var problems = Name(c.Metadata, Dns1123.Subdomain, namespaced: true).ToList();
            problems.AddRange(Keys("data", c.Data?.Keys));
            problems.AddRange(Keys("binaryData", c.BinaryData?.Keys));
            foreach (var key in (c.Data?.Keys ?? []).Intersect(c.BinaryData?.Keys ?? []))
            {
                problems.Add($"data[{key}]: Invalid value: \"{key}\": duplicate of key present in binaryData");
            }
            Report(errors, "ConfigMap", c.Metadata?.Name, problems);
        }
        foreach (var s in manifest.Secrets)
        {
            var problems = Name(s.Metadata, Dns1123.Subdomain, namespaced: true).ToList();
            problems.AddRange(Keys("data", s.Data?.Keys));
            problems.AddRange(Keys("stringData", s.StringData?.Keys));
            Report(errors, "Secret", s.Metadata?.Name, problems);
        }
        return errors;
    }

    private static IEnumerable<string> Name(V1ObjectMeta? meta, Func<string, string?> rule, bool namespaced)
    {
        if (string.IsNullOrEmpty(meta?.Name))
        {
            yield return "metadata.name: Required value: name or generateName is required";
        }
        else if (rule(meta.Name) is { } error)
        {
            yield return $"metadata.name: Invalid value: \"{meta.Name}\": {error}";
        }
        if (namespaced && meta?.NamespaceProperty is { Length: > 0 } ns && Dns1123.Label(ns) is { } nsError)
        {
            yield return $"metadata.namespace: Invalid value: \"{ns}\": {nsError}";
        }
    }

    private static IEnumerable<string> Keys(string field, IEnumerable<string>? keys) =>
        (keys ?? []).SelectMany(key => Names.ConfigMapKey(key).Select(e => $"{field}[{key}]: Invalid value: \"{key}\": {e}"));

    private static void Report(List<string> errors, string kind, string? name, IReadOnlyList<string> problems)
    {
        if (problems.Count > 0)
        {
            errors.Add($"{kind} \"{name}\" is invalid: {string.Join("; ", problems)}");
        }
    }
}
