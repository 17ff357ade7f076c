using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>
/// validateAffinity of pkg/apis/core/validation/validation.go (node affinity, pod affinity and
/// anti-affinity) and the label selectors of apimachinery pkg/apis/meta/v1/validation.
/// </summary>
internal static class AffinityValidator
{
    private const string WeightError = "must be in the range 1-100";

    /// <param name="labels">The pod's labels, which matchLabelKeys copy into the selector before validation.</param>
    public static void Validate(V1Affinity? affinity, IDictionary<string, string>? labels, FieldErrors errors)
    {
        const string path = "spec.affinity";
        if (affinity?.NodeAffinity is { } node)
        {
            if (node.RequiredDuringSchedulingIgnoredDuringExecution is { } required)
                NodeSelector(required, $"{path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution", errors);
            var preferred = node.PreferredDuringSchedulingIgnoredDuringExecution ?? [];
            for (var i = 0; i < preferred.Count; i++)
            {
                var at = $"{path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{i}]";
                if (preferred[i].Weight is <= 0 or > 100) errors.Invalid($"{at}.weight", preferred[i].Weight, WeightError);
                // Preferred terms may carry invalid label values: on a one-node cluster they can still match.
                if (preferred[i].Preference is { } term) NodeSelectorTerm(term, checkValues: false, $"{at}.preference", errors);
            }
        }
        if (affinity?.PodAffinity is { } pod)
            PodTerms(pod.RequiredDuringSchedulingIgnoredDuringExecution, pod.PreferredDuringSchedulingIgnoredDuringExecution, labels, $"{path}.podAffinity", errors);
        if (affinity?.PodAntiAffinity is { } anti)
            PodTerms(anti.RequiredDuringSchedulingIgnoredDuringExecution, anti.PreferredDuringSchedulingIgnoredDuringExecution, labels, $"{path}.podAntiAffinity", errors);
    }

    /// <summary>ValidateNodeSelector: at least one term; required terms check their label values.</summary>
    private static void NodeSelector(V1NodeSelector selector, string path, FieldErrors errors)
    {
        var terms = selector.NodeSelectorTerms ?? [];
        if (terms.Count == 0)
        {
            errors.Required($"{path}.nodeSelectorTerms", "must have at least one node selector term");
            return;
        }
        for (var i = 0; i < terms.Count; i++) NodeSelectorTerm(terms[i], checkValues: true, $"{path}.nodeSelectorTerms[{i}]", errors);
    }

    private static void NodeSelectorTerm(V1NodeSelectorTerm term, bool checkValues, string path, FieldErrors errors)
    {
        for (var j = 0; j < (term.MatchExpressions?.Count ?? 0); j++)
            NodeRequirement(term.MatchExpressions![j], checkValues, $"{path}.matchExpressions[{j}]", errors);
        for (var j = 0; j < (term.MatchFields?.Count ?? 0); j++)
            FieldRequirement(term.MatchFields![j], $"{path}.matchFields[{j}]", errors);
    }

    /// <summary>ValidateNodeSelectorRequirement.</summary>
    private static void NodeRequirement(V1NodeSelectorRequirement rq, bool checkValues, string path, FieldErrors errors) =>
        Requirement(rq.Key, rq.OperatorProperty, rq.Values, numeric: true, checkValues, path, errors);

    /// <summary>
    /// The requirement rules node selectors and label selectors share (ValidateNodeSelectorRequirement,
    /// ValidateLabelSelectorRequirement): values by operator (Gt and Lt for nodes only), a label-name key, label values.
    /// </summary>
    private static void Requirement(string? key, string? op, IList<string>? list, bool numeric, bool checkValues, string path, FieldErrors errors)
    {
        var values = list ?? [];
        switch (op)
        {
            case "In" or "NotIn":
                if (values.Count == 0) errors.Required($"{path}.values", "must be specified when `operator` is 'In' or 'NotIn'");
                break;
            case "Exists" or "DoesNotExist":
                if (values.Count > 0) errors.Forbidden($"{path}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
                break;
            case "Gt" or "Lt" when numeric:
                if (values.Count != 1) errors.Required($"{path}.values", "must be specified single value when `operator` is 'Lt' or 'Gt'");
                break;
            default:
                errors.Invalid($"{path}.operator", op ?? "", "not a valid selector operator");
                break;
        }
        LabelName(key ?? "", $"{path}.key", errors);
        if (!checkValues) return;
        for (var v = 0; v < values.Count; v++) errors.Each($"{path}.values[{v}]", values[v], Names.LabelValue(values[v]));
    }

    /// <summary>ValidateNodeFieldSelectorRequirement: only metadata.name, In or NotIn with one node name.</summary>
    private static void FieldRequirement(V1NodeSelectorRequirement rq, string path, FieldErrors errors)
    {
        var values = rq.Values ?? [];
        if (rq.OperatorProperty is "In" or "NotIn")
        {
            if (values.Count != 1) errors.Required($"{path}.values", "must be only one value when `operator` is 'In' or 'NotIn' for node field selector");
        }
        else
        {
            errors.Invalid($"{path}.operator", rq.OperatorProperty ?? "", "not a valid selector operator");
        }
        if (rq.Key != "metadata.name")
        {
            errors.Invalid($"{path}.key", rq.Key ?? "", "not a valid field selector key");
            return;
        }
        for (var v = 0; v < values.Count; v++) errors.Each($"{path}.values[{v}]", values[v], Names.Subdomain(values[v]));
    }

    private static void PodTerms(IList<V1PodAffinityTerm>? required, IList<V1WeightedPodAffinityTerm>? preferred, IDictionary<string, string>? labels, string path, FieldErrors errors)
    {
        for (var i = 0; i < (required?.Count ?? 0); i++)
            PodTerm(required![i], labels, $"{path}.requiredDuringSchedulingIgnoredDuringExecution[{i}]", errors);
        for (var i = 0; i < (preferred?.Count ?? 0); i++)
        {
            var at = $"{path}.preferredDuringSchedulingIgnoredDuringExecution[{i}]";
            if (preferred![i].Weight is <= 0 or > 100) errors.Invalid($"{at}.weight", preferred[i].Weight, WeightError);
            if (preferred[i].PodAffinityTerm is { } term) PodTerm(term, labels, $"{at}.podAffinityTerm", errors);
        }
    }

    /// <summary>
    /// validatePodAffinityTerm: selectors, namespace names (reported at "namespace", as upstream
    /// does), matchLabelKeys/mismatchLabelKeys, and a topologyKey that is required and a label name.
    /// </summary>
    private static void PodTerm(V1PodAffinityTerm term, IDictionary<string, string>? labels, string path, FieldErrors errors)
    {
        var selector = Merged(term.LabelSelector, term.MatchLabelKeys, term.MismatchLabelKeys, labels);
        LabelSelector(selector, $"{path}.labelSelector", errors);
        LabelSelector(term.NamespaceSelector, $"{path}.namespaceSelector", errors);
        foreach (var ns in term.Namespaces ?? []) errors.Each($"{path}.namespace", ns, Names.Label(ns));
        MatchLabelKeys(path, term.MatchLabelKeys, term.MismatchLabelKeys, selector, errors);
        var key = term.TopologyKey ?? "";
        if (key.Length == 0) errors.Required($"{path}.topologyKey", "can not be empty");
        LabelName(key, $"{path}.topologyKey", errors);
    }

    /// <summary>
    /// The selector the API server validates: before validation, the pod strategy adds "key In (the
    /// pod's value)" for each matchLabelKeys key and "NotIn" for each mismatchLabelKeys key the pod has
    /// a label for (MatchLabelKeysInPodAffinity, MatchLabelKeysInPodTopologySpreadSelectorMerge).
    /// </summary>
    public static V1LabelSelector? Merged(V1LabelSelector? selector, IList<string>? match, IList<string>? mismatch, IDictionary<string, string>? labels)
    {
        if (selector is null || labels is null) return selector;
        var added = new List<V1LabelSelectorRequirement>();
        foreach (var key in match ?? []) if (labels.TryGetValue(key, out var value)) added.Add(new V1LabelSelectorRequirement { Key = key, OperatorProperty = "In", Values = [value] });
        foreach (var key in mismatch ?? []) if (labels.TryGetValue(key, out var value)) added.Add(new V1LabelSelectorRequirement { Key = key, OperatorProperty = "NotIn", Values = [value] });
        if (added.Count == 0) return selector;
        return new V1LabelSelector { MatchExpressions = [.. selector.MatchExpressions ?? [], .. added], MatchLabels = selector.MatchLabels };
    }

    /// <summary>
    /// ValidateMatchLabelKeysAndMismatchLabelKeys: label-name keys, only with a labelSelector, a
    /// matchLabelKeys key not also in the selector's expressions, nor in mismatchLabelKeys.
    /// </summary>
    public static void MatchLabelKeys(string path, IList<string>? match, IList<string>? mismatch, V1LabelSelector? selector, FieldErrors errors)
    {
        LabelKeys($"{path}.matchLabelKeys", match, selector, errors);
        LabelKeys($"{path}.mismatchLabelKeys", mismatch, selector, errors);
        if (selector is not null)
        {
            var indexes = new Dictionary<string, int>();
            for (var i = 0; i < (match?.Count ?? 0); i++) indexes[match![i]] = i;
            var selectorKeys = (selector.MatchLabels ?? new Dictionary<string, string>()).Keys.ToHashSet();
            foreach (var expression in selector.MatchExpressions ?? [])
            {
                var key = expression.Key ?? "";
                // Upstream indexes the path itself here, not its matchLabelKeys child.
                if (indexes.TryGetValue(key, out var i) && selectorKeys.Contains(key))
                    errors.Invalid($"{path}[{i}]", key, "exists in both matchLabelKeys and labelSelector");
                selectorKeys.Add(key);
            }
        }
        var mismatched = (mismatch ?? []).ToHashSet();
        for (var i = 0; i < (match?.Count ?? 0); i++)
        {
            if (mismatched.Contains(match![i])) errors.Invalid($"{path}.matchLabelKeys[{i}]", match[i], "exists in both matchLabelKeys and mismatchLabelKeys");
        }
    }

    private static void LabelKeys(string path, IList<string>? keys, V1LabelSelector? selector, FieldErrors errors)
    {
        if (keys is not { Count: > 0 }) return;
        if (selector is null)
        {
            errors.Forbidden(path, "must not be specified when labelSelector is not set");
            return;
        }
        for (var i = 0; i < keys.Count; i++) LabelName(keys[i], $"{path}[{i}]", errors);
    }

    /// <summary>ValidateLabelSelector: matchLabels as labels, then each requirement (label values checked on create).</summary>
    public static void LabelSelector(V1LabelSelector? selector, string path, FieldErrors errors)
    {
        if (selector is null) return;
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            LabelName(key, $"{path}.matchLabels", errors);
            errors.Each($"{path}.matchLabels", value, Names.LabelValue(value));
        }
        for (var i = 0; i < (selector.MatchExpressions?.Count ?? 0); i++)
        {
            var rq = selector.MatchExpressions![i];
            Requirement(rq.Key, rq.OperatorProperty, rq.Values, numeric: false, checkValues: true, $"{path}.matchExpressions[{i}]", errors);
        }
    }

    /// <summary>ValidateLabelName: a qualified name.</summary>
    public static void LabelName(string name, string path, FieldErrors errors) => errors.Each(path, name, Names.QualifiedName(name));
}
