using Sublet.Runtime.Sandboxes;
using Sublet.Runtime.State;

namespace Sublet.Runtime.Pods;

/// <summary>
/// Single files Sublet writes for a pod's containers (the kubelet's etc-hosts, containerd's
/// hostname and resolv.conf, termination-message files): written on disk as 0:0 and, for a
/// user-namespaced pod, cloned idmapped into the pod's run directory, so the pod's root sees them
/// owned by 0 and what it writes lands as 0 (issue 14 item 3). The files themselves stay in the
/// pod's state directory, which only host root may enter: the pod's root can write a program
/// into one and make it set-user-ID root (issue 19). The clones are nosuid (the runtime core makes
/// them per container, <see cref="Sandboxes.CoreMounts"/>).
/// </summary>
public static class PodFiles
{
    /// <summary>Writes <paramref name="path"/> with exactly <paramref name="mode"/> (not masked by the umask, as the kubelet's chmod after os.WriteFile).</summary>
    public static void Write(string path, string content, UnixFileMode mode)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
    }

    /// <summary>
    /// A bind of <paramref name="source"/> for the runtime core: nodev and nosuid (stricter than
    /// containerd, which binds these files without: nothing in them is meant to run), idmapped
    /// into a user-namespaced pod's namespace by the core, per container.
    /// </summary>
    public static MountSpec Bind(PodRecord pod, string source, string destination, bool readOnly) =>
        new(destination, source, readOnly, MountPropagation.None, Idmapped: pod.Ids is not null) { NoSuid = true, NoDev = true };
}
