namespace Sublet.Linux.Mounts;

/// <summary>How a staged mount passes mount events on (mount_namespaces(7) "shared subtrees").</summary>
public enum Propagation
{
    Private,
    Slave,
    Shared,
}

/// <summary>What to set on a staged clone before it is attached.</summary>
/// <param name="RecursiveReadOnly">MOUNT_ATTR_RDONLY with AT_RECURSIVE: every submount read-only too (KEP-3857).</param>
public sealed record CloneOptions(bool RecursiveReadOnly, Propagation Propagation);

/// <summary>A path inside a volume would lead out of it (openat2(2) RESOLVE_BENEATH gave EXDEV or ELOOP).</summary>
public sealed class PathEscapeException(string root, string relative, int errno)
    : Exception($"\"{relative}\" leads out of {root} ({(errno == Errno.ELOOP ? "through a magic link or a symlink loop" : "through \"..\" or a symlink")})")
{
    public string Root { get; } = root;
    public string Relative { get; } = relative;
}

/// <summary>
/// The calls that give a container part of a volume safely (kubelet's safe subpath, runc's
/// securejoin): paths are resolved beneath the volume root by the kernel, and what is mounted is
/// the opened file descriptor, not a path that could be swapped for a symlink in between.
/// <see cref="LinuxVolumeMounts"/> acts; tests use a recording fake.
/// </summary>
public interface IVolumeMounts
{
    /// <summary>
    /// Opens <paramref name="relative"/> beneath <paramref name="root"/> as an O_PATH descriptor
    /// (openat2(2) RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS); null when it does not exist.
    /// </summary>
    /// <exception cref="PathEscapeException">"..", an absolute symlink or a symlink leading out of the root.</exception>
    SafeFd? OpenBeneath(string root, string relative);

    /// <summary>
    /// Creates the missing directories of <paramref name="relative"/> beneath <paramref name="root"/>
    /// one by one, each with the root's permission bits (kubelet doSafeMakeDir: mkdirat, then fchmod
    /// because mkdirat is subject to the umask).
    /// </summary>
    void CreateDirectoriesBeneath(string root, string relative);

    /// <summary>
    /// Clones the mount tree at <paramref name="source"/> (open_tree(2) OPEN_TREE_CLONE | AT_RECURSIVE
    /// on the descriptor), applies <paramref name="options"/> (mount_setattr(2)) and attaches it at
    /// <paramref name="target"/>, which is created as a directory or an empty file to match.
    /// A clone of part of an idmapped mount keeps the idmap.
    /// </summary>
    void AttachClone(SafeFd source, string target, CloneOptions options);
}
