using System.Net;
using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>
/// The PodSpec fields around the containers: nodeSelector, tolerations (ValidateTolerations),
/// dnsConfig (validatePodDNSConfig) and hostAliases (ValidateHostAliases), from
/// pkg/apis/core/validation/validation.go.
/// </summary>
internal static class SchedulingValidator
{
    private const string IpError = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

    public static void Validate(V1PodSpec spec, string dnsPolicy, FieldErrors errors)
    {
        foreach (var (key, value) in spec.NodeSelector ?? new Dictionary<string, string>())
        {
            errors.Each("spec.nodeSelector", key, Names.QualifiedName(key));
            errors.Each("spec.nodeSelector", value, Names.LabelValue(value));
        }
        Tolerations(spec.Tolerations, errors);
        DnsConfig(spec.DnsConfig, dnsPolicy, errors);
        for (var i = 0; i < (spec.HostAliases?.Count ?? 0); i++)
        {
            var alias = spec.HostAliases![i];
            if (!IPAddress.TryParse(alias.Ip ?? "", out _)) errors.Invalid($"spec.hostAliases[{i}].ip", alias.Ip ?? "", IpError);
            for (var h = 0; h < (alias.Hostnames?.Count ?? 0); h++)
                errors.Each($"spec.hostAliases[{i}].hostnames[{h}]", alias.Hostnames![h], Names.Subdomain(alias.Hostnames[h]));
        }
    }

    private static void Tolerations(IList<V1Toleration>? tolerations, FieldErrors errors)
    {
        for (var i = 0; i < (tolerations?.Count ?? 0); i++)
        {
            var t = tolerations![i];
            var path = $"spec.tolerations[{i}]";
            if (!string.IsNullOrEmpty(t.Key)) errors.Each($"{path}.key", t.Key, Names.QualifiedName(t.Key));
            if (string.IsNullOrEmpty(t.Key) && t.OperatorProperty != "Exists")
                errors.Invalid($"{path}.operator", t.OperatorProperty ?? "", "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
            if (t.TolerationSeconds is not null && t.Effect != "NoExecute")
                errors.Invalid($"{path}.effect", t.Effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set");
            switch (t.OperatorProperty)
            {
                case null or "" or "Equal":
                    errors.Each($"{path}.operator", t.Value ?? "", Names.LabelValue(t.Value ?? ""));
                    break;
                case "Exists":
                    if (!string.IsNullOrEmpty(t.Value)) errors.Invalid($"{path}.operator", t.Value, "value must be empty when `operator` is 'Exists'");
                    break;
                default:
                    errors.NotSupported($"{path}.operator", t.OperatorProperty, "Equal", "Exists");
                    break;
            }
            if (!string.IsNullOrEmpty(t.Effect) && t.Effect is not ("NoSchedule" or "PreferNoSchedule" or "NoExecute"))
                errors.NotSupported($"{path}.effect", t.Effect, "NoSchedule", "PreferNoSchedule", "NoExecute");
        }
    }

    private static void DnsConfig(V1PodDNSConfig? config, string dnsPolicy, FieldErrors errors)
    {
        if (config is null) return;
        const string path = "spec.dnsConfig";
        var nameservers = config.Nameservers ?? [];
        if (dnsPolicy == "None" && nameservers.Count == 0)
            errors.Required($"{path}.nameservers", "must provide at least one DNS nameserver when `dnsPolicy` is None");
        if (nameservers.Count > 3) errors.Invalid($"{path}.nameservers", "", "must not have more than 3 nameservers");
        for (var i = 0; i < nameservers.Count; i++)
        {
            if (!IPAddress.TryParse(nameservers[i], out _)) errors.Invalid($"{path}.nameservers[{i}]", nameservers[i], IpError);
        }
        var searches = config.Searches ?? [];
        if (searches.Count > 32) errors.Invalid($"{path}.searches", "", "must not have more than 32 search paths");
        for (var i = 0; i < searches.Count; i++)
        {
            // A trailing dot (an absolute domain) is allowed; "." alone is too.
            var search = searches[i] == "." ? "" : searches[i].TrimEnd('.');
            if (search.Length > 0) errors.Each($"{path}.searches[{i}]", searches[i], Names.Subdomain(search));
        }
        for (var i = 0; i < (config.Options?.Count ?? 0); i++)
        {
            if (string.IsNullOrEmpty(config.Options![i].Name)) errors.Required($"{path}.options[{i}].name", "Must not be empty");
        }
    }
}
