namespace Sublet.Linux.Mounts;

/// <summary>
/// The mount operations the runtime needs, shaped around its use rather than around libc
/// (aesthetics.md §9.3 rule 6). <see cref="LinuxMounter"/> acts; tests use a recording fake.
/// </summary>
public interface IMounter
{
    /// <summary>
    /// Clones <paramref name="source"/> (recursively), idmaps the clone for the user namespace
    /// behind <paramref name="userNamespace"/> and attaches it at <paramref name="target"/>.
    /// A bind of the result keeps the idmap (fs/namespace.c clone_mnt), so the OCI runtime
    /// can bind it further without knowing about idmaps. Always nodev: an idmapped view gives the
    /// user namespace's root the ownership of device nodes it could not make itself.
    /// </summary>
    /// <param name="propagation">Private unless host mount events must reach the clone (mountPropagation HostToContainer or Bidirectional).</param>
    void MountIdmapped(string source, string target, SafeFd userNamespace, bool readOnly, Propagation propagation = Propagation.Private);

    /// <summary>Mounts overlayfs; <paramref name="lowerDirsTopFirst"/> in overlay order (top first).</summary>
    /// <param name="noDev">MS_NODEV: device nodes in the layers don't open through this mount. Opening a
    /// node checks the flags of the mount it is reached through (fs/namei.c may_open_dev), which is the
    /// overlay, not the lower layers' own mounts.</param>
    void MountOverlay(string target, IReadOnlyList<string> lowerDirsTopFirst, string upperDir, string workDir, bool noDev);

    /// <summary>
    /// Mounts a fresh tmpfs at <paramref name="target"/>, nodev, and nosuid unless
    /// <paramref name="noSuid"/> is false (a memory emptyDir, as the kubelet's); never noexec: the
    /// kubelet's memory-backed volumes may hold programs a pod runs. <paramref name="options"/> is
    /// tmpfs data, e.g. <c>mode=0755</c> or <c>size=67108864</c>.
    /// </summary>
    void MountTmpfs(string target, string options, bool noSuid = true);

    /// <summary>Detaches the mount at <paramref name="target"/>; a path that is not a mount point is not an error.</summary>
    void Unmount(string target);

    /// <summary>Mount points at or below <paramref name="prefix"/>, deepest first (from /proc/self/mountinfo).</summary>
    IReadOnlyList<string> MountPointsUnder(string prefix);
}
