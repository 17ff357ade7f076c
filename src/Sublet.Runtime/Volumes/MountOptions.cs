using Sublet.Linux.Mounts;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Runtime.Volumes;

/// <summary>
/// A mount's propagation as containerd maps the CRI mount (internal/cri/opts/spec_linux.go
/// WithMounts), and as Sublet stages its clones.
/// </summary>
public static class MountOptions
{
    /// <summary>None → rprivate, HostToContainer → rslave, Bidirectional → rshared (containerd WithMounts).</summary>
    public static string Propagation(MountPropagation propagation) => propagation switch
    {
        MountPropagation.HostToContainer => "rslave",
        MountPropagation.Bidirectional => "rshared",
        _ => "rprivate",
    };

    /// <summary>The propagation of a clone Sublet stages for the mount, so that host events still reach it.</summary>
    public static Propagation Staged(MountPropagation propagation) => propagation switch
    {
        MountPropagation.HostToContainer => Linux.Mounts.Propagation.Slave,
        MountPropagation.Bidirectional => Linux.Mounts.Propagation.Shared,
        _ => Linux.Mounts.Propagation.Private,
    };
}
