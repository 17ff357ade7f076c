using System.Net;
using System.Net.Sockets;
using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>
/// The PodSpec fields for the scheduler and the network around the containers, from
/// pkg/apis/core/validation/validation.go: nodeSelector, tolerations (ValidateTolerations),
/// dnsConfig (validatePodDNSConfig), hostAliases, readiness and scheduling gates, topology spread
/// constraints. Sublet is one node: it validates them as the API server does and schedules nothing.
/// </summary>
internal static class SchedulingValidator
{
    private const string IpError = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

    /// <summary>ValidateLabels for spec.nodeSelector.</summary>
    public static void NodeSelector(IDictionary<string, string>? selector, FieldErrors errors)
    {
        foreach (var (key, value) in selector ?? new Dictionary<string, string>())
        {
            AffinityValidator.LabelName(key, "spec.nodeSelector", errors);
            errors.Each("spec.nodeSelector", value, Names.LabelValue(value));
        }
    }

    public static void Tolerations(IList<V1Toleration>? tolerations, FieldErrors errors)
    {
        for (var i = 0; i < (tolerations?.Count ?? 0); i++)
        {
            var t = tolerations![i];
            var path = $"spec.tolerations[{i}]";
            var op = t.OperatorProperty ?? "";
            var effect = t.Effect ?? "";
            if (!string.IsNullOrEmpty(t.Key)) AffinityValidator.LabelName(t.Key, $"{path}.key", errors);
            if (string.IsNullOrEmpty(t.Key) && op != "Exists")
                errors.Invalid($"{path}.operator", op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
            if (t.TolerationSeconds is not null && effect != "NoExecute")
                errors.Invalid($"{path}.effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set");
            switch (op)
            {
                case "" or "Equal":
                    // Upstream joins the label-value messages into one error.
                    var messages = Names.LabelValue(t.Value ?? "").ToList();
                    if (messages.Count > 0) errors.Invalid($"{path}.operator", t.Value ?? "", string.Join(";", messages));
                    break;
                case "Exists":
                    if (!string.IsNullOrEmpty(t.Value)) errors.Invalid($"{path}.operator", t.Value, "value must be empty when `operator` is 'Exists'");
                    break;
                // Lt and Gt belong to TaintTolerationComparisonOperators (alpha, off): refused, listing them.
                case "Lt" or "Gt":
                    errors.NotSupported($"{path}.operator", op, "Equal", "Exists", "Lt", "Gt");
                    break;
                default:
                    errors.NotSupported($"{path}.operator", op, "Equal", "Exists");
                    break;
            }
            if (effect.Length > 0 && effect is not ("NoSchedule" or "PreferNoSchedule" or "NoExecute"))
                errors.NotSupported($"{path}.effect", effect, "NoSchedule", "PreferNoSchedule", "NoExecute");
        }
    }

    /// <summary>validatePodDNSConfig; dnsPolicy None without a config or a nameserver stops there, as upstream.</summary>
    public static void DnsConfig(V1PodDNSConfig? config, string dnsPolicy, FieldErrors errors)
    {
        const string path = "spec.dnsConfig";
        if (dnsPolicy == "None")
        {
            if (config is null)
            {
                errors.Required(path, "must provide `dnsConfig` when `dnsPolicy` is None");
                return;
            }
            if (config.Nameservers is not { Count: > 0 })
            {
                errors.Required($"{path}.nameservers", "must provide at least one DNS nameserver when `dnsPolicy` is None");
                return;
            }
        }
        if (config is null) return;
        var nameservers = config.Nameservers ?? [];
        if (nameservers.Count > 3) errors.Add(new FieldError($"{path}.nameservers", "Invalid value", FieldError.GoStrings(nameservers), "must not have more than 3 nameservers"));
        for (var i = 0; i < nameservers.Count; i++)
        {
            if (!IsLegacyIp(nameservers[i])) errors.Invalid($"{path}.nameservers[{i}]", nameservers[i], IpError);
        }
        var searches = config.Searches ?? [];
        if (searches.Count > 32) errors.Add(new FieldError($"{path}.searches", "Invalid value", FieldError.GoStrings(searches), "must not have more than 32 search paths"));
        if (string.Join(" ", searches).Length > 2048)
            errors.Add(new FieldError($"{path}.searches", "Invalid value", FieldError.GoStrings(searches), "must not have more than 2048 characters (including spaces) in the search list"));
        for (var i = 0; i < searches.Count; i++)
        {
            // RelaxedDNSSearchValidation (GA): "." is allowed, one trailing dot is trimmed, underscores are allowed.
            if (searches[i] == ".") continue;
            var search = searches[i].EndsWith('.') ? searches[i][..^1] : searches[i];
            errors.Each($"{path}.searches[{i}]", search, Names.SubdomainWithUnderscore(search));
        }
        for (var i = 0; i < (config.Options?.Count ?? 0); i++)
        {
            if (string.IsNullOrEmpty(config.Options![i].Name)) errors.Required($"{path}.options[{i}]", "must not be empty");
        }
    }

    public static void HostAliases(IList<V1HostAlias>? aliases, FieldErrors errors)
    {
        for (var i = 0; i < (aliases?.Count ?? 0); i++)
        {
            var alias = aliases![i];
            if (!IsLegacyIp(alias.Ip ?? "")) errors.Invalid($"spec.hostAliases[{i}].ip", alias.Ip ?? "", IpError);
            for (var h = 0; h < (alias.Hostnames?.Count ?? 0); h++)
                errors.Each($"spec.hostAliases[{i}].hostnames[{h}]", alias.Hostnames![h], Names.Subdomain(alias.Hostnames[h]));
        }
    }

    /// <summary>
    /// IsValidIPForLegacyField's parse (netutils.ParseIPSloppy): four decimal IPv4 octets, leading
    /// zeros allowed, or an IPv6 address without zone or brackets. .NET's parser alone would also take
    /// "1" or "1.2.3" as IPv4 addresses.
    /// </summary>
    private static bool IsLegacyIp(string value)
    {
        if (value.Contains(':')) return !value.Contains('%') && !value.Contains('[') && IPAddress.TryParse(value, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6;
        var parts = value.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit) && int.TryParse(p, out var octet) && octet <= 255);
    }

    /// <summary>validateReadinessGates: condition types are qualified names.</summary>
    public static void ReadinessGates(IList<V1PodReadinessGate>? gates, FieldErrors errors)
    {
        for (var i = 0; i < (gates?.Count ?? 0); i++)
            AffinityValidator.LabelName(gates![i].ConditionType ?? "", $"spec.readinessGates[{i}].conditionType", errors);
    }

    /// <summary>validateSchedulingGates: qualified names, each once (errors at the item, not its name).</summary>
    public static void SchedulingGates(IList<V1PodSchedulingGate>? gates, FieldErrors errors)
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < (gates?.Count ?? 0); i++)
        {
            var name = gates![i].Name ?? "";
            AffinityValidator.LabelName(name, $"spec.schedulingGates[{i}]", errors);
            if (!seen.Add(name)) errors.Duplicate($"spec.schedulingGates[{i}]", name);
        }
    }

    /// <summary>
    /// validateTopologySpreadConstraints: maxSkew and minDomains positive, a topologyKey, a known
    /// whenUnsatisfiable, one constraint per {topologyKey, whenUnsatisfiable}, node inclusion policies,
    /// matchLabelKeys (merged into the selector first, as the pod strategy does) and the label selector.
    /// </summary>
    public static void TopologySpread(IList<V1TopologySpreadConstraint>? constraints, IDictionary<string, string>? labels, FieldErrors errors)
    {
        for (var i = 0; i < (constraints?.Count ?? 0); i++)
        {
            var c = constraints![i];
            var path = $"spec.topologySpreadConstraints[{i}]";
            var action = c.WhenUnsatisfiable ?? "";
            if (c.MaxSkew <= 0) errors.Invalid($"{path}.maxSkew", c.MaxSkew, "must be greater than zero");
            if (string.IsNullOrEmpty(c.TopologyKey)) errors.Required($"{path}.topologyKey", "can not be empty");
            if (action is not ("DoNotSchedule" or "ScheduleAnyway")) errors.NotSupported($"{path}.whenUnsatisfiable", action, "DoNotSchedule", "ScheduleAnyway");
            if (constraints.Skip(i + 1).Any(r => r.TopologyKey == c.TopologyKey && (r.WhenUnsatisfiable ?? "") == action))
                errors.Duplicate($"{path}.{{topologyKey, whenUnsatisfiable}}", $"{{{c.TopologyKey}, {action}}}");
            if (c.MinDomains is { } min)
            {
                if (min <= 0) errors.Invalid($"{path}.minDomains", min, "must be greater than zero");
                if (action != "DoNotSchedule") errors.Invalid($"{path}.minDomains", min, $"can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {action}");
            }
            InclusionPolicy(c.NodeAffinityPolicy, $"{path}.nodeAffinityPolicy", errors);
            InclusionPolicy(c.NodeTaintsPolicy, $"{path}.nodeTaintsPolicy", errors);
            var selector = AffinityValidator.Merged(c.LabelSelector, c.MatchLabelKeys, null, labels);
            AffinityValidator.MatchLabelKeys(path, c.MatchLabelKeys, null, selector, errors);
            AffinityValidator.LabelSelector(selector, $"{path}.labelSelector", errors);
        }
    }

    private static void InclusionPolicy(string? policy, string path, FieldErrors errors)
    {
        if (policy is not null && policy is not ("Ignore" or "Honor")) errors.NotSupported(path, policy, "Honor", "Ignore");
    }
}
