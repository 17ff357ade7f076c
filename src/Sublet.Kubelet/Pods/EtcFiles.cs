using Sublet.Kubelet.Plan;
using Sublet.Runtime;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Sandboxes;
using Sublet.Runtime.State;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// /etc/hosts, /etc/hostname and /etc/resolv.conf: one copy per pod, written when the sandbox
/// exists, bound into every container (kubelet makeMounts + ensureHostsFile; containerd
/// setupSandboxFiles and linuxContainerMounts).
/// </summary>
public sealed class EtcFiles
{
    /// <summary>The kubelet reads at most this much of the node's resolv.conf (maxResolveConfLength).</summary>
    private const long MaxResolvConfBytes = 10 << 20;

    private static readonly UnixFileMode Mode0644 = (UnixFileMode)0b110_100_100;

    private readonly RuntimeContext _ctx;

    public EtcFiles(RuntimeContext ctx) => _ctx = ctx;

    /// <summary>Writes the pod's files (0644, as the kubelet and containerd); reports the kubelet's DNS warnings.</summary>
    public void Prepare(PodPlan plan, PodRecord pod)
    {
        var paths = _ctx.Paths(pod.Id);
        var (dns, warnings) = PodDns.For(plan.Dns, plan.Namespace, NodeDns());
        foreach (var warning in warnings)
        {
            _ctx.Warn($"pod/{plan.Name}: {warning}");
        }
        var hostname = PlaySandbox.Hostname(plan);
        var resolv = PodDns.Format(dns);
        var contents = new Dictionary<string, string>
        {
            // The kubelet names the pod's hostname on its addresses; without a pod network, on loopback.
            ["hosts"] = plan.HostNetwork
                ? EtcContent.NodeHosts(File.Exists("/etc/hosts") ? File.ReadAllText("/etc/hosts") : "", plan.HostAliases)
                : EtcContent.Hosts(new PodNetworking(_ctx).Ips(pod.Id) is { Count: > 0 } ips ? ips : EtcContent.PodIps, hostname, HostDomain(plan, _ctx.Config.ClusterDomain), plan.HostAliases),
            ["hostname"] = hostname + "\n",
            // containerd copies the node's file when the pod's DNS settings are all empty.
            ["resolv.conf"] = resolv.Length > 0 ? resolv : HostResolvConf() ?? "",
        };
        foreach (var name in EtcContent.Names)
        {
            PodFiles.Write(SourcePath(paths, name), contents[name], Mode0644);
        }
    }

    /// <summary>
    /// The container's binds of the pod's files (<see cref="Binds"/> decides which, and
    /// how), as the kubelet hands its etc-hosts to the runtime: idmapped for a user-namespaced pod
    /// (<see cref="PodFiles"/>).
    /// </summary>
    public IReadOnlyList<MountSpec> Mounts(PodRecord pod, ContainerPlan container)
    {
        var paths = _ctx.Paths(pod.Id);
        return [.. Binds(container).Select(b => PodFiles.Bind(pod, SourcePath(paths, b.Name), "/etc/" + b.Name, b.ReadOnly))];
    }

    private NodeDns NodeDns()
    {
        var config = _ctx.Config;
        var host = HostResolvConf();
        return new NodeDns(host is null ? ResolvConfig.Empty : PodDns.Parse(host), config.ClusterDns ?? [], config.ClusterDomain ?? "", HasResolvConf: host is not null);
    }

    /// <summary>The node's resolv.conf (KubeletConfiguration resolvConf); null when configured as "". A missing file fails the pod, as in getHostDNSConfig.</summary>
    private string? HostResolvConf()
    {
        if (_ctx.Config.ResolvConf is not { Length: > 0 } path)
        {
            return null;
        }
        try
        {
            return new FileInfo(path).Length > MaxResolvConfBytes
                ? throw new RuntimeFailure($"resolvConf {path}: larger than {MaxResolvConfBytes} bytes")
                : File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw new RuntimeFailure($"resolvConf {path}: {e.Message}");
        }
    }

    // The kubelet's own copies (its pods/UID/etc-hosts), apart from the files the runtime core writes for its sandbox under etc/.
    private static string SourcePath(PodPaths paths, string name) => Path.Combine(paths.StateDir, "kubelet", "etc", name);

    /// <summary>
    /// Which files a container gets, and read-only or not. /etc/hosts is read-write as the kubelet
    /// mounts it (makeHostsMount); hostname and resolv.conf are read-only with a read-only root
    /// filesystem (containerd linuxContainerMounts). A volumeMount at the same path wins (both skip theirs).
    /// </summary>
    public static IReadOnlyList<(string Name, bool ReadOnly)> Binds(ContainerPlan container)
    {
        var taken = container.VolumeMounts.Select(m => "/" + m.MountPath.Trim('/')).ToHashSet(StringComparer.Ordinal);
        return EtcContent.Names.Where(name => !taken.Contains("/etc/" + name))
            .Select(name => (name, name != "hosts" && container.Security.ReadOnlyRootFilesystem))
            .ToList();
    }

    /// <summary>GeneratePodHostNameAndDomain: subdomain.namespace.svc.clusterDomain when the pod has a subdomain, else empty.</summary>
    public static string HostDomain(PodPlan plan, string clusterDomain) =>
        plan.Subdomain is { Length: > 0 } subdomain ? $"{subdomain}.{plan.Namespace}.svc.{clusterDomain}" : "";
}
