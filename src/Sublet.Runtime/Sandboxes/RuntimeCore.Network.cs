using Sublet.Linux.Namespaces;
using Sublet.Runtime.Network;
using Sublet.Runtime.Pods;

namespace Sublet.Runtime.Sandboxes;

public sealed partial class RuntimeCore
{
    public NetworkReadiness NetworkReadiness() => _ctx.Network.Readiness();

    /// <summary>The pod's namespaces and network before its pause process (<see cref="PodNetworking"/>); null for a host-network pod.</summary>
    private PinnedNamespaces? SetUpNetwork(SandboxEntry entry)
    {
        var config = entry.Config;
        if (config.Network == NamespaceScope.Node)
        {
            return null;
        }

        var request = new PodNetworkRequest(entry.Id, config.Name, config.Namespace, config.Uid, config.PortMappings,
            config.Dns.Servers, config.Dns.Searches, config.Dns.Options, config.Annotations, CoreSpecs.CgroupParent(entry.Id, config));
        try
        {
            // selftest's probe pods test isolation, not networking: loopback only, so selftest never
            // writes the node's network configuration or takes an address from it.
            return new PodNetworking(_ctx).SetUp(entry.Id, config.UserNamespace, request, attach: config.Owner != Owner.Selftest, ipc: config.Ipc != NamespaceScope.Node);
        }
        catch (CniException e)
        {
            throw new RuntimeError(ErrorKind.Internal, $"failed to set up the network of sandbox {entry.Id}: {e.Message}", e) { Reason = "network_setup" };
        }
    }

    /// <summary>CNI DEL and unpinning; StopPodSandbox and RemovePodSandbox both call it, the second finds nothing to do.</summary>
    private void TearDownNetwork(string id)
    {
        try
        {
            new PodNetworking(_ctx).TearDown(id);
        }
        catch (CniException e)
        {
            throw new RuntimeError(ErrorKind.Internal, $"failed to tear down the network of sandbox {id}: {e.Message}", e) { Reason = "network_teardown" };
        }
    }

    private IReadOnlyList<string> Ips(string id) => new PodNetworking(_ctx).Ips(id);
}
