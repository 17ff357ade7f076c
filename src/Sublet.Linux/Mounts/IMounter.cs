namespace Sublet.Linux.Mounts;

/// <summary>
/// The mount operations the runtime needs, shaped around its use rather than around libc
/// (aesthetics.md §9.3 rule 6). <see cref="LinuxMounter"/> acts; tests use a recording fake.
/// </summary>
public interface IMounter
{
    /// <summary>
    /// Clones <paramref name="source"/> (recursively), idmaps the clone for the user namespace
    /// behind <paramref name="userNamespace"/> and attaches it at <paramref name="target"/>, nodev.
    /// A bind of the result keeps the idmap (fs/namespace.c clone_mnt), so the OCI runtime
    /// can bind it further without knowing about idmaps.
    /// </summary>
    /// <param name="readOnly">
    /// The clone's top mount read-only, as a bind's <c>ro</c> (CRI Mount.readonly): mounts below it
    /// keep their own flags, read-only everywhere being CRI's recursive_read_only. Set before the
    /// clone is attached, so in a container's mount namespace the flag is locked (mount_namespaces(7)).
    /// </param>
    /// <param name="propagation">Private unless host mount events must reach the clone (mountPropagation HostToContainer or Bidirectional).</param>
    /// <param name="setId">What the clone does with set-ID bits and file capabilities (<see cref="SetIdBits"/>).</param>
    void MountIdmapped(string source, string target, SafeFd userNamespace, bool readOnly, Propagation propagation = Propagation.Private, SetIdBits setId = SetIdBits.AsSource);

    /// <summary>
    /// Clones <paramref name="source"/> (recursively) without an idmap and attaches it at
    /// <paramref name="target"/>, nodev, set-ID bits as the source mount has them: a place the
    /// OCI runtime can reach from inside a user namespace, with the host's IDs left as they are.
    /// </summary>
    void MountClone(string source, string target, Propagation propagation = Propagation.Private);

    /// <summary>Mounts overlayfs; <paramref name="lowerDirsTopFirst"/> in overlay order (top first); <paramref name="noDev"/>: device nodes in it can't be opened.</summary>
    void MountOverlay(string target, IReadOnlyList<string> lowerDirsTopFirst, string upperDir, string workDir, bool noDev = false);

    /// <summary>
    /// Mounts a fresh tmpfs at <paramref name="target"/>, nosuid and nodev: a tmpfs Sublet makes
    /// holds pod data, and from the host side its set-ID files and device nodes must count for
    /// nothing (issue 19). Never noexec: the kubelet's memory-backed volumes may hold programs a
    /// pod runs. <paramref name="options"/> is tmpfs data, e.g. <c>mode=0755</c> or <c>size=67108864</c>.
    /// </summary>
    void MountTmpfs(string target, string options);

    /// <summary>
    /// Binds <paramref name="directory"/> onto itself, with whatever is mounted below it, nosuid and
    /// nodev: reached through this path, no file below it is run set-ID or with file capabilities,
    /// and no device node below it opens (mount(2) MS_NOSUID, MS_NODEV).
    /// </summary>
    void BindNoSuidNoDev(string directory);

    /// <summary>The flags of the mount holding <paramref name="path"/> (statfs(2) f_flags), the ones the kernel locks into a container's mount namespace.</summary>
    MountFlags FlagsOf(string path);

    /// <summary>Detaches the mount at <paramref name="target"/>; a path that is not a mount point is not an error.</summary>
    void Unmount(string target);

    /// <summary>Mount points at or below <paramref name="prefix"/>, deepest first (from /proc/self/mountinfo).</summary>
    IReadOnlyList<string> MountPointsUnder(string prefix);
}

/// <summary>
/// What a staged clone does with set-user-ID and set-group-ID bits and file capabilities: nosuid
/// turns off all three (fs/exec.c bprm_fill_uid and security/commoncap.c get_file_caps both ask
/// mnt_may_suid).
/// </summary>
public enum SetIdBits
{
    /// <summary>As the source mount (a hostPath keeps the host's choice).</summary>
    AsSource,

    /// <summary>
    /// Honoured (nosuid cleared): for an idmapped clone of a mount Sublet itself made nosuid. Through
    /// the idmap a set-ID file acts as one of the pod's own host IDs, for the pod and the host alike.
    /// </summary>
    Honoured,

    /// <summary>Ignored (nosuid set).</summary>
    Ignored,
}

/// <summary>
/// Per-mount flags as statfs(2) reports them (ST_RDONLY, ST_NOSUID, ST_NODEV, ST_NOEXEC). In a
/// mount namespace owned by a less privileged user namespace they are locked: a remount that
/// drops one fails with EPERM (mount(2), mount_namespaces(7)).
/// </summary>
[Flags]
public enum MountFlags
{
    None = 0,
    ReadOnly = 1,
    NoSuid = 2,
    NoDev = 4,
    NoExec = 8,
}
