using System.Globalization;
using k8s.Models;

namespace Sublet.Kubernetes.Admission;

/// <summary>
/// GetRequiredNodeAffinity(pod).Match(node) of k8s.io/component-helpers/scheduling/corev1/nodeaffinity:
/// every nodeSelector label equal on the node, and, when required node affinity is set, at least one
/// of its terms matching. A term matches when all its expressions and fields do; an empty term, or
/// one with a requirement labels.NewRequirement would refuse, matches nothing.
/// </summary>
internal static class NodeAffinityMatch
{
    public static bool Matches(V1PodSpec? spec, NodeIdentity node)
    {
        foreach (var (key, value) in spec?.NodeSelector ?? new Dictionary<string, string>())
        {
            if (!node.Labels.TryGetValue(key, out var actual) || actual != value) return false;
        }
        if (spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution is not { } required) return true;
        return (required.NodeSelectorTerms ?? []).Any(term => Term(term, node));
    }

    private static bool Term(V1NodeSelectorTerm term, NodeIdentity node)
    {
        var expressions = term.MatchExpressions ?? [];
        var fields = term.MatchFields ?? [];
        if (expressions.Count == 0 && fields.Count == 0) return false;
        return expressions.All(e => Label(e, node.Labels)) && fields.All(f => Field(f, node.Name));
    }

    /// <summary>labels.Requirement.Matches, for a requirement NewRequirement accepts.</summary>
    private static bool Label(V1NodeSelectorRequirement rq, IReadOnlyDictionary<string, string> labels)
    {
        var values = rq.Values ?? [];
        var has = labels.TryGetValue(rq.Key ?? "", out var value);
        return rq.OperatorProperty switch
        {
            "In" => values.Count > 0 && has && values.Contains(value!),
            "NotIn" => values.Count > 0 && (!has || !values.Contains(value!)),
            "Exists" => values.Count == 0 && has,
            "DoesNotExist" => values.Count == 0 && !has,
            "Gt" or "Lt" => values.Count == 1 && long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bound)
                && has && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var actual)
                && (rq.OperatorProperty == "Gt" ? actual > bound : actual < bound),
            _ => false,
        };
    }

    /// <summary>Node fields: only metadata.name, with In or NotIn and one value.</summary>
    private static bool Field(V1NodeSelectorRequirement rq, string nodeName)
    {
        if (rq.Key != "metadata.name" || rq.Values is not { Count: 1 } values) return false;
        return rq.OperatorProperty switch
        {
            "In" => values[0] == nodeName,
            "NotIn" => values[0] != nodeName,
            _ => false,
        };
    }
}
