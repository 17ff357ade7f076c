using Sublet.Kubelet.Plan;

namespace Sublet.Kubelet.Pods;

/// <summary>The three lists a resolv.conf holds (CRI DNSConfig).</summary>
public sealed record ResolvConfig(IReadOnlyList<string> Nameservers, IReadOnlyList<string> Searches, IReadOnlyList<string> Options)
{
    public static readonly ResolvConfig Empty = new([], [], []);
}

/// <summary>The node's DNS settings as the kubelet has them: clusterDNS, clusterDomain and what resolvConf held.</summary>
public sealed record NodeDns(ResolvConfig Host, IReadOnlyList<string> ClusterDns, string ClusterDomain, bool HasResolvConf = true);

/// <summary>
/// A pod's resolv.conf, decided as the kubelet does (pkg/kubelet/network/dns Configurer.GetPodDNS)
/// and written as containerd does (parseDNSOptions). Pure: the node's file is parsed by the caller.
/// </summary>
public static class PodDns
{
    /// <summary>pkg/apis/core/validation MaxDNSNameservers.</summary>
    public const int MaxNameservers = 3;

    /// <summary>MaxDNSSearchPathsExpanded and MaxDNSSearchListCharsExpanded (ExpandedDNSConfig, GA in 1.28).</summary>
    public const int MaxSearchPaths = 32;
    public const int MaxSearchListChars = 2048;

    /// <summary>utilvalidation DNS1123SubdomainMaxLength: longer search paths make glibc 2.28 abort, so the kubelet drops them.</summary>
    public const int MaxSearchPathLength = 253;

    /// <summary>The kubelet's defaultDNSOptions for ClusterFirst pods.</summary>
    private static readonly string[] ClusterOptions = ["ndots:5"];

    /// <summary>
    /// parseResolvConf: "nameserver" lines accumulate, the last "search" and "options" lines win;
    /// search domains lose a trailing dot; # comments are skipped.
    /// </summary>
    public static ResolvConfig Parse(string text)
    {
        var nameservers = new List<string>();
        IReadOnlyList<string> searches = [];
        IReadOnlyList<string> options = [];
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('#'))
            {
                continue;
            }
            var fields = line.Split([' ', '\t', '\r', '\f', '\v'], StringSplitOptions.RemoveEmptyEntries);
            switch (fields)
            {
                case ["nameserver", var server, ..]:
                    nameservers.Add(server);
                    break;
                case ["search", .. var domains]:
                    searches = domains.Select(d => d.EndsWith('.') ? d[..^1] : d).ToList(); // strings.TrimSuffix(s, ".")
                    break;
                case ["options", .. var opts]:
                    options = opts.ToList();
                    break;
            }
        }
        return new ResolvConfig(nameservers, searches, options);
    }

    /// <summary>GetPodDNS: the pod's DNS settings and the warnings the kubelet would record as events.</summary>
    public static (ResolvConfig Config, IReadOnlyList<string> Warnings) For(DnsPlan plan, string ns, NodeDns node)
    {
        var warnings = new List<string>();
        var config = node.Host;
        switch (plan.Policy)
        {
            case DnsPolicy.None:
                config = ResolvConfig.Empty; // only dnsConfig
                break;
            // getPodDNSType: ClusterFirst on the host network falls back to Default; Sublet pods always have their own network namespace.
            case DnsPolicy.ClusterFirst or DnsPolicy.ClusterFirstWithHostNet when node.ClusterDns.Count > 0:
                config = new ResolvConfig(node.ClusterDns, ClusterSearches(config.Searches, ns, node.ClusterDomain), ClusterOptions);
                break;
            // Without cluster DNS the kubelet falls back to Default and records a MissingClusterDNS
            // event. A standalone Sublet node has none unless configured, so that would be said
            // for nearly every pod: the fallback is the documented behaviour instead (README).
            default:
                config = HostDefault(node);
                break;
        }
        config = new ResolvConfig(
            Unique(config.Nameservers.Concat(plan.Nameservers)),
            Unique(config.Searches.Concat(plan.Searches)),
            MergeOptions(config.Options, plan.Options));
        return (FitLimits(config, warnings), warnings);
    }

    /// <summary>containerd parseDNSOptions: search, nameserver and options lines; empty when there is nothing to say.</summary>
    public static string Format(ResolvConfig config)
    {
        var text = "";
        if (config.Searches.Count > 0) text += $"search {string.Join(' ', config.Searches)}\n";
        foreach (var server in config.Nameservers) text += $"nameserver {server}\n";
        if (config.Options.Count > 0) text += $"options {string.Join(' ', config.Options)}\n";
        return text;
    }

    /// <summary>Default policy: the node's file; with resolvConf set to "" the kubelet points the pod at a local resolver and no search.</summary>
    private static ResolvConfig HostDefault(NodeDns node) =>
        node.HasResolvConf ? node.Host : new ResolvConfig(["127.0.0.1"], ["."], node.Host.Options);

    /// <summary>generateSearchesForDNSClusterFirst: namespace.svc.domain, svc.domain, domain, then the node's.</summary>
    private static IReadOnlyList<string> ClusterSearches(IReadOnlyList<string> host, string ns, string domain) =>
        domain.Length == 0 ? host : Unique(new[] { $"{ns}.svc.{domain}", $"svc.{domain}", domain }.Concat(host));

    /// <summary>
    /// mergeDNSOptions: a dnsConfig option replaces one of the same name. The kubelet rebuilds the
    /// list from a Go map (random order); here the first occurrence keeps its place, so the file is stable.
    /// </summary>
    private static IReadOnlyList<string> MergeOptions(IReadOnlyList<string> existing, IReadOnlyList<DnsOption> added)
    {
        var merged = new List<(string Name, string Value)>();
        void Set(string name, string value)
        {
            var at = merged.FindIndex(o => o.Name == name);
            if (at >= 0) merged[at] = (name, value); else merged.Add((name, value));
        }
        foreach (var option in existing)
        {
            var colon = option.IndexOf(':');
            Set(colon < 0 ? option : option[..colon], colon < 0 ? "" : option[(colon + 1)..]);
        }
        foreach (var option in added)
        {
            Set(option.Name, option.Value ?? "");
        }
        return merged.Select(o => o.Value.Length > 0 ? $"{o.Name}:{o.Value}" : o.Name).ToList();
    }

    /// <summary>formDNSConfigFitsLimits: at most 3 nameservers; search paths by count, length and total characters.</summary>
    private static ResolvConfig FitLimits(ResolvConfig config, List<string> warnings)
    {
        var servers = config.Nameservers;
        if (servers.Count > MaxNameservers)
        {
            servers = servers.Take(MaxNameservers).ToList();
            warnings.Add($"DNSConfigForming: Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: {string.Join(' ', servers)}");
        }
        var searches = config.Searches.ToList();
        var exceeded = false;
        if (searches.Count > MaxSearchPaths)
        {
            searches = searches.Take(MaxSearchPaths).ToList();
            exceeded = true;
        }
        exceeded |= searches.RemoveAll(s => s.Length > MaxSearchPathLength) > 0;
        var length = string.Join(' ', searches).Length;
        if (length > MaxSearchListChars)
        {
            // Drop domains from the end until the line fits.
            while (searches.Count > 0 && length > MaxSearchListChars)
            {
                length -= searches[^1].Length + 1;
                searches.RemoveAt(searches.Count - 1);
            }
            exceeded = true;
        }
        if (exceeded)
        {
            warnings.Add($"DNSConfigForming: Search Line limits were exceeded, some search paths have been omitted, the applied search line is: {string.Join(' ', searches)}");
        }
        return new ResolvConfig(servers, searches, config.Options);
    }

    private static List<string> Unique(IEnumerable<string> items) => items.Distinct(StringComparer.Ordinal).ToList();
}
