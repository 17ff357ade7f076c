using Sublet.Kubelet.Plan;
using Sublet.Linux.Mounts;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Kubelet.Volumes;

/// <summary>
/// What the kubelet checks of a volumeMount before it asks for the bind: propagation a user
/// namespace or the source mount can't carry, and recursiveReadOnly (kubelet_pods.go
/// resolveRecursiveReadOnly).
/// </summary>
public static class MountRules
{
    /// <summary>
    /// A mount namespace owned by a user namespace other than its parent's is less privileged, and
    /// the kernel reduces its shared mounts to slaves (mount_namespaces(7), "Restrictions on mount
    /// namespaces"): nothing mounted in the container can reach the host, so Bidirectional is refused
    /// rather than quietly acting as HostToContainer.
    /// </summary>
    public static string? UserNamespaceError(MountPropagation propagation, bool hostUsers) =>
        propagation == MountPropagation.Bidirectional && !hostUsers
            ? "a pod with hostUsers: false can't propagate mounts to the host: in its user namespace the kernel makes shared mounts slaves (mount_namespaces(7)); use HostToContainer, or hostUsers: true"
            : null;

    /// <summary>
    /// containerd's ensureShared / ensureSharedOrSlave: a Bidirectional mount needs a shared source
    /// mount, a HostToContainer one a shared or slave source; otherwise no event could pass.
    /// </summary>
    /// <returns>The error, or null when the source fits.</returns>
    public static string? SourceError(MountPropagation propagation, string path, MountPeers? peers) => propagation switch
    {
        MountPropagation.Bidirectional when peers is not { Shared: true } =>
            $"path \"{path}\" is mounted on \"{peers?.MountPoint}\" but it is not a shared mount",
        MountPropagation.HostToContainer when peers is not ({ Shared: true } or { Slave: true }) =>
            $"path \"{path}\" is mounted on \"{peers?.MountPoint}\" but it is not a shared or slave mount",
        _ => null,
    };

    /// <summary>
    /// Whether the mount is made read-only recursively. IfPossible falls back to a plain read-only
    /// bind where the kernel lacks mount_setattr(2) (before 5.12, containerd's test); Enabled fails.
    /// </summary>
    /// <exception cref="PlanException">Enabled on a kernel that can't, or a mount that is not readOnly / has propagation.</exception>
    public static bool RecursiveReadOnly(VolumeMountPlan mount, bool kernelCan)
    {
        if (mount.RecursiveReadOnly == Plan.RecursiveReadOnly.Disabled)
        {
            return false;
        }
        if (!mount.ReadOnly)
        {
            throw new PlanException($"volume \"{mount.Name}\" requested recursive read-only mode, but it is not read-only");
        }
        if (mount.Propagation != MountPropagation.None)
        {
            throw new PlanException($"volume \"{mount.Name}\" requested recursive read-only mode, but it is not compatible with propagation \"{mount.Propagation}\"");
        }
        return mount.RecursiveReadOnly switch
        {
            Plan.RecursiveReadOnly.IfPossible => kernelCan,
            _ => kernelCan ? true : throw new PlanException(
                $"volume \"{mount.Name}\" requested recursive read-only mode, but it is not supported by the runtime (needs mount_setattr(2), Linux 5.12)"),
        };
    }
}
