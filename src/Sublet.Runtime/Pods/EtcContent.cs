using Sublet.Runtime.Sandboxes;

namespace Sublet.Runtime.Pods;

/// <summary>What the kubelet writes in a pod's /etc/hosts (pkg/kubelet/kubelet_pods.go managedHostsFileContent); the runtime core writes the same for a sandbox whose client gives none. Pure.</summary>
public static class EtcContent
{
    /// <summary>
    /// The pod's addresses for its hostname line. A Sublet pod's network namespace has only
    /// loopback (runc brings lo up in a new one), so its one IPv4 address is 127.0.0.1: the name
    /// resolves to an address of the pod itself, as with the kubelet's pod-IP line, and a server
    /// bound to localhost answers on it. (The kubelet would skip /etc/hosts for a pod without
    /// IPs; Sublet gives every container one, as issue 14 asks.)
    /// </summary>
    public static readonly IReadOnlyList<string> PodIps = ["127.0.0.1"];

    /// <summary>The files, as named under /etc in the container and in the pod's directory.</summary>
    public static readonly IReadOnlyList<string> Names = ["hosts", "hostname", "resolv.conf"];

    /// <summary>The header, localhost lines (IPv4 and IPv6), one line per pod IP, then the hostAliases block.</summary>
    public static string Hosts(IReadOnlyList<string> podIps, string hostname, string hostDomain, IReadOnlyList<HostAlias> aliases)
    {
        var text = "# Kubernetes-managed hosts file.\n"
            + "127.0.0.1\tlocalhost\n"
            + "::1\tlocalhost ip6-localhost ip6-loopback\n"
            + "fe00::0\tip6-localnet\n"
            + "fe00::0\tip6-mcastprefix\n"
            + "fe00::1\tip6-allnodes\n"
            + "fe00::2\tip6-allrouters\n";
        foreach (var ip in podIps)
        {
            text += hostDomain.Length > 0 ? $"{ip}\t{hostname}.{hostDomain}\t{hostname}\n" : $"{ip}\t{hostname}\n";
        }
        return text + Aliases(aliases);
    }

    /// <summary>
    /// A hostNetwork pod's /etc/hosts: the node's file, then the hostAliases block (the kubelet's
    /// managedHostsFileContent for host-network pods copies the node's file).
    /// </summary>
    public static string NodeHosts(string nodeHosts, IReadOnlyList<HostAlias> aliases) =>
        (nodeHosts.Length == 0 || nodeHosts.EndsWith('\n') ? nodeHosts : nodeHosts + "\n") + Aliases(aliases);

    private static string Aliases(IReadOnlyList<HostAlias> aliases)
    {
        var text = "";
        if (aliases.Count > 0)
        {
            // hostsEntriesFromHostAliases: a blank line, a comment, then each IP with all its names on one line.
            text += "\n# Entries added by HostAliases.\n";
            foreach (var alias in aliases)
            {
                text += $"{alias.Ip}\t{string.Join('\t', alias.Hostnames)}\n";
            }
        }
        return text;
    }
}
