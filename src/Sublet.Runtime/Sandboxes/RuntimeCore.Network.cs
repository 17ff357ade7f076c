using Sublet.Linux.Namespaces;
using Sublet.Runtime.Network;
using Sublet.Runtime.Pods;

namespace Sublet.Runtime.Sandboxes;

public sealed partial class RuntimeCore
{
    public NetworkReadiness NetworkReadiness() => _ctx.Network.Readiness();

    /// <summary>
    /// Namespaces first (issue 21 item 1; containerd's setupNetnsWithinUserns, CRI-O's pinns): the
    /// pod's user namespace and its network namespace inside it, pinned; loopback up; then CNI ADD
    /// on the pinned path, as host root, before any pod process exists. Null for a host-network pod.
    /// </summary>
    private PinnedNamespaces? SetUpNetwork(SandboxEntry entry)
    {
        var config = entry.Config;
        if (config.Network == NamespaceScope.Node)
        {
            return null;
        }
        var paths = Paths(entry.Id);
        Directories.Private(Path.GetDirectoryName(paths.NamespaceDir)!);
        Directories.Private(paths.NamespaceDir);
        var pinned = _ctx.PodNamespaces.Create(paths.NamespaceDir, config.UserNamespace?.Start, config.UserNamespace?.Length ?? 0);
        _ctx.PodNamespaces.BringLoopbackUp(pinned.Net);
        if (_ctx.Network.Enabled)
        {
            var request = new PodNetworkRequest(entry.Id, config.Name, config.Namespace, config.Uid, config.PortMappings,
                config.Dns.Servers, config.Dns.Searches, config.Dns.Options, config.Annotations, config.CgroupParent);
            try
            {
                _ctx.Network.SetUp(request, pinned.Net, paths.NetworkCache);
            }
            catch (CniException e)
            {
                throw new RuntimeError(ErrorKind.Internal, $"failed to set up the network of sandbox {entry.Id}: {e.Message}", e) { Reason = "network_setup" };
            }
        }
        return pinned;
    }

    /// <summary>CNI DEL with the cached attachment, then the pins go; both are no-ops when already done (StopPodSandbox and RemovePodSandbox both call it).</summary>
    private void TearDownNetwork(string id)
    {
        var paths = Paths(id);
        try
        {
            _ctx.Network.TearDown(paths.NetworkCache, Path.Combine(paths.NamespaceDir, "net"));
        }
        catch (CniException e)
        {
            throw new RuntimeError(ErrorKind.Internal, $"failed to tear down the network of sandbox {id}: {e.Message}", e) { Reason = "network_teardown" };
        }
        if (Directory.Exists(paths.NamespaceDir))
        {
            _ctx.PodNamespaces.Remove(paths.NamespaceDir);
            Directory.Delete(paths.NamespaceDir);
        }
    }

    /// <summary>The pod's addresses, from its cached attachment.</summary>
    private IReadOnlyList<string> Ips(string id)
    {
        try
        {
            return PodNetwork.Addresses(Paths(id).NetworkCache);
        }
        catch (CniException)
        {
            return []; // a damaged cache shows as no address; teardown reports it
        }
    }
}
