using Sublet.IdMapping;
using Sublet.Linux;
using Sublet.Linux.Mounts;
using Sublet.Linux.Processes;

namespace Sublet.Runtime.Rootfs;

/// <summary>What a container's root filesystem is made of.</summary>
/// <param name="LayersRoot">Common parent of every unpacked layer (the image store's layer directory).</param>
/// <param name="LayerDirs">Absolute layer directories, bottom first: below <paramref name="LayersRoot"/> for
/// idmapped layers, or their chown copies (<see cref="LayerCopies"/>), which are mounted as they are.</param>
/// <param name="MountPoint">Where the overlay goes (in the run directory).</param>
/// <param name="Staging">Empty directory for the temporary idmapped bind of <paramref name="LayersRoot"/>, in a
/// directory only host root may enter: through the idmap the pod's host root would own every layer of every image.</param>
/// <param name="UpperParent">Persistent directory that receives <c>upper</c> and <c>work</c>.</param>
public sealed record RootfsRequest(string LayersRoot, IReadOnlyList<string> LayerDirs, string MountPoint, string Staging, string UpperParent);

/// <summary>
/// Overlayfs over the image's unpacked layers. For a user-namespaced pod the layers are seen
/// through ONE idmapped, read-only bind of their common parent (containerd ≥ 2.2 does the same,
/// runtime-anchors.md §1.4/§7.4), overlay is mounted over it, and the bind is detached at once:
/// overlay holds its own references to the lower layers. Nothing of the image is chowned or
/// copied, so preparation costs the same for 10 files or 50,000.
/// Idmapping the overlay itself fails (EINVAL on 6.18) and an idmapped upper dir makes overlay
/// read-only, so upper/work are plain directories owned by the pod's host root (DESIGN.md §4).
/// A user-namespaced pod's overlay is nodev: runc must let the pod's host IDs reach it, and a
/// device node from an image layer would open as a host device from the host side (issue 19);
/// the container's /dev is runc's own tmpfs and binds, which this flag doesn't touch.
/// Where the layer store can't be idmapped, <see cref="RootfsPlanner"/> may choose chown copies
/// instead: the caller then passes the copies and no user-namespace opener, and overlay is mounted
/// over them directly.
/// <para>Device nodes: layers keep the image's device nodes (containerd unpacks them too), and a
/// user-namespaced pod sees them owned by its own root (idmapped or chown-copied). The device
/// cgroup alone would then decide, and it allows everything for a privileged container: an image
/// could ship /dev/kmsg or a disk and reach the host's. So for a user-namespaced pod the overlay is
/// mounted nodev. Opening a node checks the mount it is reached through (fs/namei.c
/// may_open_dev), and the pod can't lift it: its mount namespace is owned by its user namespace,
/// so the copied mounts' flags are locked (fs/namespace.c lock_mnt_tree, MNT_LOCK_NODEV;
/// mount_namespaces(7)), mknod(2) needs CAP_MKNOD in the initial namespace, and whatever it mounts
/// itself is SB_I_NODEV. Pods with host users keep upstream behaviour: no nodev on the rootfs,
/// the device cgroup guards them (a privileged one may mknod any device anyway).</para>
/// </summary>
public sealed class RootfsBuilder
{
    private readonly IMounter _mounter;

    public RootfsBuilder(IMounter mounter) => _mounter = mounter;

    public void Prepare(RootfsRequest request, IdRange? userns, Func<SafeFd>? openUserNamespace)
    {
        var upper = Path.Combine(request.UpperParent, "upper");
        var work = Path.Combine(request.UpperParent, "work");
        Directory.CreateDirectory(upper);
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(request.MountPoint);
        File.SetUnixFileMode(upper, (UnixFileMode)0b111_101_101); // 0755, the usual mode of /
        if (userns is { } ids)
        {
            // The container's root sees upper's owner as its own root.
            Posix.Chown(upper, ids.Start, ids.Start);
            Posix.Chown(work, ids.Start, ids.Start);
        }

        if (userns is null || openUserNamespace is null)
        {
            _mounter.MountOverlay(request.MountPoint, TopFirst(request.LayerDirs), upper, work, noDev: userns is not null);
            return;
        }

        Directory.CreateDirectory(request.Staging);
        using (var fd = openUserNamespace())
        {
            _mounter.MountIdmapped(request.LayersRoot, request.Staging, fd, readOnly: true);
        }
        try
        {
            var lowers = request.LayerDirs.Select(d => Path.Combine(request.Staging, Path.GetRelativePath(request.LayersRoot, d))).ToList();
            _mounter.MountOverlay(request.MountPoint, TopFirst(lowers), upper, work, noDev: true);
        }
        finally
        {
            _mounter.Unmount(request.Staging);
            Directory.Delete(request.Staging);
        }
    }

    private static List<string> TopFirst(IReadOnlyList<string> bottomFirst) => bottomFirst.Reverse().ToList();
}
