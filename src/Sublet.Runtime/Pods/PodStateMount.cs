using Sublet.Linux.Mounts;

namespace Sublet.Runtime.Pods;

/// <summary>
/// Keeps the pods' state directories (<see cref="PodPaths.StatePods"/>) on a nosuid, nodev mount.
/// They hold what pods write on disk: emptyDirs, /etc files and termination-message files, which
/// a user-namespaced pod's root writes through idmapped clones as host root (setuid-root programs
/// and file capabilities for host root included), writable layers, logs. Only host root may enter
/// them; the mount makes sure that whatever does reach them there (a privileged helper, a mode
/// changed by hand) still runs nothing set-ID and opens no device (issue 19). The kubelet and
/// containerd leave their pod directories on /var/lib's flags. Made once per boot, by the first
/// pod start, and kept: unlike a mount per pod, it never stands between a pod and its removal.
/// The pods' binds are unaffected: a user-namespaced pod binds clones with their own flags
/// (the kubelet's VolumeStaging), runc as host root binds with exactly the flags it asks
/// for, and overlayfs judges set-ID and device files by its own mount, not its layers'.
/// </summary>
internal static class PodStateMount
{
    private const MountFlags Wanted = MountFlags.NoSuid | MountFlags.NoDev;

    public static void Ensure(IMounter mounter, string stateRoot)
    {
        var pods = Directories.Private(PodPaths.StatePods(stateRoot));
        if (NeedsBind(mounter.FlagsOf(pods)))
        {
            mounter.BindNoSuidNoDev(pods);
        }
    }

    /// <summary>Already nosuid and nodev (bound by an earlier start, or a filesystem mounted so): nothing to do.</summary>
    internal static bool NeedsBind(MountFlags flags) => (flags & Wanted) != Wanted;
}
