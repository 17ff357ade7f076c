using System.Text.RegularExpressions;
using k8s.Models;
using Sublet.Kubernetes.Manifests;

namespace Sublet.Kubernetes.Env;

/// <summary>
/// The values of <c>fieldRef</c> and <c>resourceFieldRef</c> (the downward API) as the kubelet
/// computes them (kubelet_pods.go podFieldSelectorRuntimeValue; pkg/api/v1/resource
/// ExtractContainerResourceValue). Field paths and resource names are validated before this runs.
/// </summary>
public static partial class DownwardApi
{
    /// <summary>A <c>fieldRef.fieldPath</c>; null for a path it does not know (validation refuses those).</summary>
    /// <param name="uid">The pod's UID as the pod is run (a manifest may leave it out).</param>
    /// <param name="podIPs">The pod's addresses; Sublet's pods have none but loopback yet, so this is empty.</param>
    public static string? Field(V1Pod pod, string uid, string fieldPath, NodeFacts node, IReadOnlyList<string> podIPs)
    {
        var meta = pod.Metadata;
        if (Subscript().Match(fieldPath) is { Success: true } m)
        {
            var map = m.Groups[1].Value == "labels" ? meta?.Labels : meta?.Annotations;
            return map is not null && map.TryGetValue(m.Groups[2].Value, out var v) ? v : "";
        }
        return fieldPath switch
        {
            "metadata.name" => meta?.Name ?? "",
            "metadata.namespace" => meta?.NamespaceProperty ?? "default",
            "metadata.uid" => uid,
            "metadata.labels" => Lines(meta?.Labels),
            "metadata.annotations" => Lines(meta?.Annotations),
            "spec.nodeName" => node.Name,
            // The API server defaults serviceAccountName to "default" (admission ServiceAccount).
            "spec.serviceAccountName" => pod.Spec?.ServiceAccountName is { Length: > 0 } sa ? sa : "default",
            "status.hostIP" => node.HostIPs.FirstOrDefault() ?? "",
            "status.hostIPs" => string.Join(",", node.HostIPs),
            "status.podIP" => podIPs.FirstOrDefault() ?? "",
            "status.podIPs" => string.Join(",", podIPs),
            _ => null,
        };
    }

    /// <summary>
    /// A <c>resourceFieldRef</c> of <paramref name="container"/>: the quantity divided by the divisor
    /// (default 1), rounded up; cpu in millicores as Quantity.MilliValue. Unset limits are the node's
    /// allocatable; an unset request is the limit when one is set (API defaulting), else 0.
    /// Null for a resource it does not know.
    /// </summary>
    public static string? Resource(V1Container container, string resource, ResourceQuantity? divisor, NodeFacts node)
    {
        var requests = container.Resources?.Requests;
        var limits = container.Resources?.Limits;
        var (kind, name) = resource.IndexOf('.') is var dot and > 0 ? (resource[..dot], resource[(dot + 1)..]) : ("", resource);
        long? Limit(string n) => n switch
        {
            "cpu" => ResourceTranslator.Milli(limits, n) ?? node.AllocatableMilliCpu,
            "memory" => ResourceTranslator.Whole(limits, n) ?? node.AllocatableMemory,
            "ephemeral-storage" => ResourceTranslator.Whole(limits, n) ?? node.AllocatableEphemeralStorage,
            _ when n.StartsWith("hugepages-", StringComparison.Ordinal) => ResourceTranslator.Whole(limits, n) ?? 0,
            _ => null,
        };
        long? Request(string n)
        {
            var set = n == "cpu" ? ResourceTranslator.Milli(requests, n) : ResourceTranslator.Whole(requests, n);
            var limit = n == "cpu" ? ResourceTranslator.Milli(limits, n) : ResourceTranslator.Whole(limits, n);
            return Limit(n) is null ? null : set ?? limit ?? 0;
        }
        var value = kind switch { "limits" => Limit(name), "requests" => Request(name), _ => null };
        if (value is null)
        {
            return null;
        }
        var cpu = name == "cpu";
        var by = divisor?.ToDecimal() is { } d && d != 0 ? d : 1m;
        var unit = cpu ? Math.Ceiling(by * 1000m) : Math.Ceiling(by);
        return ((long)Math.Ceiling(value.Value / unit)).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Labels or annotations as a downwardAPI volume file: <c>key="value"</c> lines sorted by key,
    /// values quoted as Go's %q (fieldpath.FormatMap).
    /// </summary>
    public static string Lines(IDictionary<string, string>? map) =>
        map is null ? "" : string.Join("\n", map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={Quote(p.Value)}"));

    /// <summary>Go strconv.Quote for the characters labels and annotations carry.</summary>
    private static string Quote(string value)
    {
        var s = new System.Text.StringBuilder("\"");
        foreach (var c in value)
        {
            s.Append(c switch
            {
                '"' => "\\\"", '\\' => "\\\\", '\n' => "\\n", '\t' => "\\t", '\r' => "\\r",
                < ' ' or '\x7f' => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }
        return s.Append('"').ToString();
    }

    [GeneratedRegex(@"^metadata\.(labels|annotations)\['(.+)'\]$")]
    private static partial Regex Subscript();
}
