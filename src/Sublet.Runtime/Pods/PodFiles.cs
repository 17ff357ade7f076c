using Sublet.Linux;
using Sublet.Linux.Mounts;
using Sublet.Runtime.Oci;
using Sublet.Runtime.State;

namespace Sublet.Runtime.Pods;

/// <summary>
/// Single files Sublet writes for a pod's containers (the kubelet's etc-hosts, containerd's
/// hostname and resolv.conf, termination-message files): written on disk as 0:0 and, for a
/// user-namespaced pod, cloned idmapped into the pod's run directory, so the pod's root sees them
/// owned by 0 and what it writes lands as 0 (issue 14 item 3). The files themselves stay in the
/// pod's state directory, which only host root may enter: the pod's root can write a program
/// into one and make it set-user-ID root (issue 19). The clones are nosuid. PodRemover unmounts
/// them with everything else below the run directory.
/// </summary>
internal static class PodFiles
{
    /// <summary>Writes <paramref name="path"/> with exactly <paramref name="mode"/> (not masked by the umask, as the kubelet's chmod after os.WriteFile).</summary>
    public static void Write(string path, string content, UnixFileMode mode)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
    }

    /// <summary>
    /// The path containers bind: the file itself without a user namespace, else an idmapped clone
    /// of it at <paramref name="staged"/> (open_tree + mount_setattr works on single files too).
    /// </summary>
    public static string Stage(RuntimeContext ctx, PodRecord pod, string source, string staged)
    {
        if (pod.Ids is null)
        {
            return source;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(staged)!);
        File.WriteAllBytes(staged, []); // the mount point
        using var userns = SafeFd.OpenReadOnly(ctx.Proc.NamespacePath(pod.PausePid!.Value, "user"));
        ctx.Mounter.MountIdmapped(source, staged, userns, readOnly: false, setId: SetIdBits.Ignored);
        return staged;
    }

    /// <summary>
    /// A bind mount as containerd makes CRI mounts (rbind, rprivate), nodev and nosuid (stricter
    /// than containerd, which binds these files without: nothing in them is meant to run), and
    /// whatever else the idmapped clone at <paramref name="source"/> carries locked (<see cref="Volumes.MountOptions.Oci"/>).
    /// </summary>
    public static Mount Bind(RuntimeContext ctx, PodRecord pod, string source, string destination, bool readOnly)
    {
        var locked = pod.Ids is null ? MountFlags.None : ctx.Mounter.FlagsOf(source);
        return new() { Destination = destination, Type = "bind", Source = source, Options = Options(readOnly, locked) };
    }

    internal static List<string> Options(bool readOnly, MountFlags locked) =>
    [
        "rbind", "rprivate", "nodev", "nosuid",
        .. locked.HasFlag(MountFlags.NoExec) ? (string[])["noexec"] : [],
        readOnly ? "ro" : "rw",
    ];
}
