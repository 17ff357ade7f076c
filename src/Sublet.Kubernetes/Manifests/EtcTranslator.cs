using Sublet.Kubelet.Plan;
using Sublet.Runtime.Sandboxes;
using k8s.Models;

namespace Sublet.Kubernetes.Manifests;

/// <summary>
/// The pod fields behind the kubelet-managed files: hostAliases and subdomain (/etc/hosts),
/// dnsPolicy and dnsConfig (/etc/resolv.conf), terminationMessagePath/Policy. Values were
/// validated as the API server does (Validation/SchedulingValidator, ContainerValidator); here
/// they get the API's defaults (pkg/apis/core/v1 defaults.go).
/// </summary>
public static class EtcTranslator
{
    /// <summary>pkg/apis/core/v1 SetDefaults_Container: TerminationMessagePathDefault.</summary>
    public const string DefaultTerminationMessagePath = "/dev/termination-log";

    public static IReadOnlyList<HostAlias> HostAliases(V1PodSpec spec) =>
        (spec.HostAliases ?? []).Select(a => new HostAlias(a.Ip ?? "", (a.Hostnames ?? []).ToList())).ToList();

    /// <summary>dnsPolicy defaults to ClusterFirst (SetDefaults_PodSpec).</summary>
    public static DnsPlan Dns(V1PodSpec spec, List<string> problems)
    {
        var policy = spec.DnsPolicy switch
        {
            // kubelet getPodDNSType: ClusterFirst on the node's network falls back to Default; only
            // ClusterFirstWithHostNet gives such a pod the cluster's DNS.
            null or "" or "ClusterFirst" => spec.HostNetwork == true ? DnsPolicy.Default : DnsPolicy.ClusterFirst,
            "ClusterFirstWithHostNet" => DnsPolicy.ClusterFirstWithHostNet,
            "Default" => DnsPolicy.Default,
            "None" => DnsPolicy.None,
            var other => Problem(problems, $"spec.dnsPolicy: Unsupported value: \"{other}\": supported values: \"ClusterFirst\", \"ClusterFirstWithHostNet\", \"Default\", \"None\""),
        };
        var config = spec.DnsConfig;
        return new DnsPlan
        {
            Policy = policy,
            Nameservers = (config?.Nameservers ?? []).ToList(),
            Searches = (config?.Searches ?? []).ToList(),
            Options = (config?.Options ?? []).Select(o => new DnsOption(o.Name ?? "", o.Value)).ToList(),
        };
    }

    /// <summary>An empty path is defaulted (SetDefaults_Container), as is the policy (File).</summary>
    public static (string Path, TerminationMessagePolicy Policy) TerminationMessage(V1Container c) => (
        c.TerminationMessagePath is { Length: > 0 } path ? path : DefaultTerminationMessagePath,
        c.TerminationMessagePolicy == "FallbackToLogsOnError" ? TerminationMessagePolicy.FallbackToLogsOnError : TerminationMessagePolicy.File);

    private static DnsPolicy Problem(List<string> problems, string message)
    {
        problems.Add(message);
        return DnsPolicy.ClusterFirst;
    }
}
