
namespace Sublet.Kubelet.Plan;

/// <summary><c>spec.dnsPolicy</c> (API default ClusterFirst).</summary>
public enum DnsPolicy
{
    ClusterFirst,
    ClusterFirstWithHostNet,
    Default,
    None,
}

/// <summary><c>spec.dnsConfig.options[]</c>: <c>name</c> or <c>name:value</c> on the resolv.conf options line.</summary>
public sealed record DnsOption(string Name, string? Value);

/// <summary>What the pod asked for its resolv.conf: the policy and <c>spec.dnsConfig</c>, merged on the node with its own resolv.conf.</summary>
public sealed record DnsPlan
{
    public DnsPolicy Policy { get; init; } = DnsPolicy.ClusterFirst;
    public IReadOnlyList<string> Nameservers { get; init; } = [];
    public IReadOnlyList<string> Searches { get; init; } = [];
    public IReadOnlyList<DnsOption> Options { get; init; } = [];
}

/// <summary><c>terminationMessagePolicy</c> (API default File).</summary>
public enum TerminationMessagePolicy
{
    /// <summary>Only the file at terminationMessagePath.</summary>
    File,

    /// <summary>The file, or the last log lines when it is empty and the container failed.</summary>
    FallbackToLogsOnError,
}
