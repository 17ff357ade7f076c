using System.Globalization;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;
using Sublet.Linux.Filesystems;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Pods;

namespace Sublet.Kubelet.Volumes;

/// <summary>
/// <c>emptyDir</c> with <c>medium: Memory</c>: a tmpfs under the pod's run directory (so it goes
/// with the pod and PodRemover unmounts it), sized as the kubelet sizes it, in the directory only
/// host root may enter (<see cref="PodPaths.TmpfsDir"/>).
/// </summary>
public static class MemoryMedium
{
    /// <summary>
    /// The tmpfs size (kubelet emptydir calculateEmptyDirMemorySize, SizeMemoryBackedVolumes): the
    /// node's allocatable memory, lowered to the pod's memory limit when it has one, lowered to the
    /// volume's sizeLimit when that is smaller still. Zero or negative values don't lower it.
    /// </summary>
    public static long Size(long nodeMemory, long? podMemoryLimit, long? sizeLimit)
    {
        var size = nodeMemory;
        if (podMemoryLimit is > 0 and var pod && pod <= size)
        {
            size = pod;
        }
        if (sizeLimit is > 0 and var limit && limit <= size)
        {
            size = limit;
        }
        return size;
    }

    public static string PathOf(PodPaths paths, VolumePlan volume) => paths.Tmpfs(volume.Name);

    /// <summary>Creates and mounts the tmpfs; returns its path.</summary>
    internal static string Mount(RuntimeContext ctx, PodPlan plan, PodPaths paths, VolumePlan volume)
    {
        var dir = PathOf(paths, volume);
        Directories.Private(paths.TmpfsDir);
        Directory.CreateDirectory(dir);
        var size = Size(NodeMemory(), PodResources.For(plan).MemoryLimit, volume.SizeLimitBytes);
        // tmpfs(5): size in bytes (rounded up to pages); the root keeps tmpfs's default mode 1777, as the kubelet's.
        // nosuid here, unlike the kubelet's: the pod's binds honour set-ID bits (VolumeStaging), the host side doesn't.
        ctx.Mounter.MountTmpfs(dir, "size=" + size.ToString(CultureInfo.InvariantCulture));
        return dir;
    }

    /// <summary>For a user-namespaced pod: the error when this kernel can't idmap tmpfs (before 6.3), else null.</summary>
    internal static string? IdmapError(IdmapSupport support, VolumePlan volume)
    {
        var verdict = support.CheckTmpfs();
        return verdict.Supported ? null : verdict.VolumeError(volume.Name, volume.Describe(), support.Kernel);
    }

    /// <summary>MemTotal of /proc/meminfo (proc(5)), the node's memory as cadvisor reports it; Sublet reserves none of it.</summary>
    private static long NodeMemory(string meminfo = "/proc/meminfo")
    {
        var line = File.ReadLines(meminfo).First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return long.Parse(line["MemTotal:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
