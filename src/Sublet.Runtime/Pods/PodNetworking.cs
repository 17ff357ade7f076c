using Sublet.IdMapping;
using Sublet.Linux.Namespaces;
using Sublet.Runtime.Network;

namespace Sublet.Runtime.Pods;

/// <summary>
/// A pod's network, for both front ends (issue 21 item 1; containerd's setupNetnsWithinUserns,
/// CRI-O's pinns): namespaces first — the pod's user namespace and the network namespace inside
/// it, pinned — loopback up, then CNI ADD on the pinned path as host root, all before any pod
/// process exists; the pause process then joins them.
/// </summary>
public sealed class PodNetworking
{
    private readonly RuntimeContext _ctx;

    public PodNetworking(RuntimeContext ctx) => _ctx = ctx;

    /// <exception cref="CniException">The network could not be attached; nothing of it is left.</exception>
    /// <param name="attach">False: the namespaces and loopback only, no CNI.</param>
    /// <param name="ipc">Pin an IPC namespace too (false: the pod uses the node's).</param>
    public PinnedNamespaces SetUp(string podId, IdRange? userNamespace, PodNetworkRequest request, bool attach = true, bool ipc = true)
    {
        var paths = _ctx.Paths(podId);
        Directories.Private(Path.GetDirectoryName(paths.NamespaceDir)!);
        Directories.Private(paths.NamespaceDir);
        var pinned = _ctx.PodNamespaces.Create(paths.NamespaceDir, userNamespace?.Start, userNamespace?.Length ?? 0, ipc);
        _ctx.PodNamespaces.BringLoopbackUp(pinned.Net);
        if (attach && _ctx.Network.Enabled)
        {
            _ctx.Network.SetUp(request, pinned.Net, paths.NetworkCache);
        }
        return pinned;
    }

    /// <summary>
    /// Ends whatever is still in the pod's namespaces (its containers are gone by now), CNI DEL with
    /// the cached attachment, then the pins go; a no-op when already done.
    /// </summary>
    /// <exception cref="CniException">A plugin failed to detach an attachment ADD had completed.</exception>
    public void TearDown(string podId)
    {
        var paths = _ctx.Paths(podId);
        if (Directory.Exists(paths.NamespaceDir) && _ctx.PodNamespaces.KillMembers(paths.NamespaceDir, Sublet.Linux.Processes.Leftovers.Wait) is { Count: > 0 } left)
        {
            _ctx.Warn($"pod {podId}: processes {string.Join(", ", left)} are still in its namespaces after SIGKILL");
        }
        _ctx.Network.TearDown(paths.NetworkCache, Path.Combine(paths.NamespaceDir, "net"));
        if (Directory.Exists(paths.NamespaceDir))
        {
            _ctx.PodNamespaces.Remove(paths.NamespaceDir);
            Directory.Delete(paths.NamespaceDir);
        }
    }

    /// <summary>The pod's addresses from its cached attachment, IPv4 first; none without a pod network (or with a damaged cache, which teardown reports).</summary>
    public IReadOnlyList<string> Ips(string podId)
    {
        try
        {
            return PodNetwork.Addresses(_ctx.Paths(podId).NetworkCache);
        }
        catch (CniException)
        {
            return [];
        }
    }
}
