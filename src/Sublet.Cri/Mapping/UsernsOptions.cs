using Sublet.Cri.Api;
using Sublet.IdMapping;
using Sublet.Runtime;

namespace Sublet.Cri.Mapping;

/// <summary>
/// CRI <c>userns_options</c> → the pod's user namespace, checked before anything is made
/// (issue 20 item 8). The words follow containerd's (internal/cri/server/helpers.go
/// parseUsernsIDMap, sameUsernsConfig; wave2.md §1.3), with two checks containerd leaves to the
/// kernel or runc: container ID 0 must be mapped, and the range must end within 2^32.
/// </summary>
public static class UsernsOptions
{
    /// <summary>Null = the node's user namespace (no options, or mode NODE).</summary>
    public static IdRange? Parse(UserNamespace? options)
    {
        if (options is null)
        {
            return null; // a kubelet that predates user namespaces: the host's, as containerd falls back
        }
        switch (options.Mode)
        {
            case NamespaceMode.Node:
                if (options.Uids.Count > 0 || options.Gids.Count > 0)
                {
                    throw Refuse("node_with_mappings", $"can't use user namespace mode \"NODE\" with mappings. Got {options.Uids.Count} UID mappings and {options.Gids.Count} GID mappings");
                }
                return null;
            case NamespaceMode.Pod:
                break;
            default:
                throw Refuse("unsupported_mode", $"unsupported user namespace mode: \"{Name(options.Mode)}\": Sublet supports POD and NODE");
        }
        if (options.Uids.Count == 0 || options.Gids.Count == 0)
        {
            throw Refuse("no_mappings", "can't use user namespace mode \"POD\" without UID and GID mappings");
        }
        var uid = One(options.Uids, "UID");
        var gid = One(options.Gids, "GID");
        if (uid.HostId != gid.HostId || uid.Length != gid.Length)
        {
            throw Refuse("uid_gid_differ",
                $"UID mapping 0:{uid.HostId}:{uid.Length} and GID mapping 0:{gid.HostId}:{gid.Length} differ: Sublet maps UIDs and GIDs of a pod alike, as the kubelet allocates them");
        }
        return new IdRange(uid.HostId, uid.Length);
    }

    /// <summary>containerd sameUsernsConfig: a container's options must be its sandbox's (same mode, same mappings), or absent.</summary>
    public static void RequireSame(UserNamespace? container, IdRange? sandbox)
    {
        if (container is null)
        {
            return;
        }
        var parsed = Parse(container);
        if (parsed != sandbox)
        {
            throw Refuse("container_differs",
                $"user namespace config for sandbox is different from container. Sandbox userns config: {Describe(sandbox)} - Container userns config: {Describe(parsed)}");
        }
    }

    public static string Describe(IdRange? range) => range is { } r ? $"POD 0:{r.Start}:{r.Length}" : "NODE";

    private static IDMapping One(IReadOnlyList<IDMapping> mappings, string kind)
    {
        if (mappings.Count != 1)
        {
            throw Refuse("several_mappings", $"{kind} mapping: only one mapping line supported, got {mappings.Count} mapping lines");
        }
        var m = mappings[0];
        if (m.Length < 1)
        {
            throw Refuse("length", $"{kind} mapping: invalid mapping length: {m.Length}");
        }
        if (m.ContainerId != 0)
        {
            throw Refuse("container_id_0_unmapped", $"{kind} mapping: container ID 0 is not mapped (the mapping starts at container ID {m.ContainerId}): the pod's root would have no host ID");
        }
        if ((ulong)m.HostId + m.Length > uint.MaxValue)
        {
            throw Refuse("host_range", $"{kind} mapping: host IDs {m.HostId}+{m.Length} go past {uint.MaxValue}");
        }
        return m;
    }

    private static RuntimeError Refuse(string reason, string message) => new(ErrorKind.InvalidArgument, message) { Reason = reason };

    private static string Name(NamespaceMode mode) => mode switch
    {
        NamespaceMode.Container => "CONTAINER",
        NamespaceMode.Target => "TARGET",
        _ => ((int)mode).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
