using Sublet.Kubelet.Plan;
using Sublet.Linux.Mounts;
using Sublet.Runtime.Config;

namespace Sublet.Kubelet.Volumes;

/// <summary>What is staged in a user-namespaced pod's run directory for runc to bind.</summary>
public enum StagingKind
{
    /// <summary>Nothing: runc binds the volume where it is (a host-users pod, whose runc is host root).</summary>
    None,

    /// <summary>A clone idmapped for the pod's user namespace: on-disk 0 is the pod's root.</summary>
    Idmapped,

    /// <summary>A clone without idmap: the host's IDs as they are, so the pod's root is its host base ID there.</summary>
    Plain,
}

/// <param name="SetId">What the clone does with set-ID bits and file capabilities.</param>
public sealed record Staging(StagingKind Kind, SetIdBits SetId = SetIdBits.AsSource, bool ReadOnly = false);

/// <summary>
/// How a container of a user-namespaced pod reaches each volume (issue 19). runc 1.1 resolves
/// bind sources from inside the pod's user namespace, so every volume is staged as a clone in the
/// pod's run directory, where the pod's host root can pass. The volume itself (a tmpfs, an
/// emptyDir or configMap directory) stays in a directory only host root can enter.
/// </summary>
public static class VolumeStaging
{
    public static Staging For(VolumePlan volume, bool userNamespace, string hostPathIdmap) => volume switch
    {
        _ when !userNamespace => new Staging(StagingKind.None),
        // Upstream's choice keeps the host's IDs meaningful in the pod; the pod's choice keeps
        // the pod's writes in its own range (UserNamespacesConfig.HostPathIdmap).
        { HostPath: not null } => new Staging(hostPathIdmap == UserNamespacesConfig.PodIds ? StagingKind.Plain : StagingKind.Idmapped),
        // Written by host root and mounted read-only: set-ID bits have no business there.
        { Projection: not null } => new Staging(StagingKind.Idmapped, SetIdBits.Ignored, ReadOnly: true),
        // emptyDirs: Sublet keeps the tmpfs and the pods' state directories nosuid on the host side;
        // the clone honours set-ID bits as the kubelet's emptyDirs do, and through the idmap they
        // only ever make a process one of the pod's own host IDs.
        _ => new Staging(StagingKind.Idmapped, SetIdBits.Honoured),
    };
}
