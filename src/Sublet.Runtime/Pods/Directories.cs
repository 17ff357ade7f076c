using Sublet.Linux.Files;
using Sublet.Linux.Processes;

namespace Sublet.Runtime.Pods;

public static class Directories
{
    private const UnixFileMode Mode0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Mode0711 = Mode0700 | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>Created 0700: only root looks inside.</summary>
    public static string Private(string path)
    {
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, Mode0700);
        return path;
    }

    /// <summary>
    /// 0711: others may pass through but not list. runc resolves the rootfs from inside the
    /// container's user namespace, where root is an unprivileged host ID (CRI-O makeAccessible).
    /// </summary>
    public static string Searchable(string path)
    {
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, Mode0711);
        return path;
    }

    /// <summary>
    /// A directory on the way to a pod's root filesystems. runc opens them from inside the pod's
    /// user namespace, so the pod's host root must pass through; nobody else on the host may
    /// (mountinfo shows these paths to every user, and an image's setuid files sit below them).
    /// User namespace: owner root, group = the pod's host root group, mode 0710. Host users: 0700.
    /// </summary>
    public static string PodOnly(string path, Sublet.IdMapping.IdRange? ids)
    {
        Directory.CreateDirectory(path);
        if (ids is { } range)
        {
            Posix.Chown(path, 0, range.Start);
            File.SetUnixFileMode(path, Mode0700 | UnixFileMode.GroupExecute);
        }
        else
        {
            File.SetUnixFileMode(path, Mode0700);
        }
        return path;
    }

    /// <summary>A directory shared by all pods (exit files, conmon sockets), root-only.</summary>
    public static string Shared(string path) => Directory.Exists(path) ? path : Private(path);

    /// <summary>
    /// Fails unless every existing parent of <paramref name="path"/> lets others search it: the
    /// OCI runtime opens the rootfs from inside the pod's user namespace, as an unprivileged host
    /// ID (containerd docs/user-namespaces "+x on every parent"). Sublet does not chmod
    /// directories it did not create; it says which one to change.
    /// </summary>
    public static void RequireSearchableParents(string path)
    {
        for (var dir = Path.GetDirectoryName(Path.GetFullPath(path)); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir) && (File.GetUnixFileMode(dir) & UnixFileMode.OtherExecute) == 0)
            {
                throw new RuntimeFailure($"{dir} is not searchable by other users (no o+x): pods with hostUsers: false need it on every parent of the run root {path}; run: chmod o+x {dir}");
            }
        }
    }

    /// <summary>
    /// Removes a tree; gone already is fine. Through directory descriptors (<see cref="TreeRemover"/>):
    /// a pod's trees (emptyDirs, writable layers) can nest deeper than any path can name, and must
    /// never be followed through a symlink or into a mount.
    /// </summary>
    public static void Remove(string path) => TreeRemover.Remove(path);
}

/// <summary>The read-only rootfs of every pod's sandbox: just a static catatonit (runtime-anchors.md §4.8).</summary>
internal static class PauseRootfs
{
    public static string Ensure(string runRoot, string catatonit)
    {
        var rootfs = PodPaths.PauseRootfs(runRoot);
        var binary = Path.Combine(rootfs, "catatonit");
        if (File.Exists(binary))
        {
            return rootfs;
        }
        if (!File.Exists(catatonit))
        {
            throw new RuntimeFailure($"pause binary {catatonit} is missing: apt-get install catatonit");
        }
        Directories.Searchable(runRoot);
        Directories.Searchable(Path.GetDirectoryName(rootfs)!);
        var temp = rootfs + ".tmp-" + Environment.ProcessId;
        Directories.Remove(temp);
        Directory.CreateDirectory(temp);
        // Mount points exist beforehand: the rootfs is read-only and shared, and runc runs
        // inside the pod's user namespace, where it could not create them.
        foreach (var dir in new[] { "proc", "dev", "sys" })
        {
            Directory.CreateDirectory(Path.Combine(temp, dir));
        }
        File.Copy(catatonit, Path.Combine(temp, "catatonit"));
        File.SetUnixFileMode(temp, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(Path.Combine(temp, "catatonit"), (UnixFileMode)0b111_101_101);
        try
        {
            Directory.Move(temp, rootfs);
        }
        catch (IOException) when (File.Exists(binary))
        {
            Directories.Remove(temp); // another sublet process made it first
        }
        return rootfs;
    }
}

/// <summary>
/// Debian's conmon 2.1.6 leaves the container's stdio pipes owner-only (fixed in conmon 2.1.8,
/// commit 7a7c893), so a process running as a mapped ID cannot reopen /dev/stdout. Between
/// <c>create</c> and <c>start</c>, open them up as conmon 2.1.8 does (runtime-anchors.md §4.7).
/// </summary>
internal static class StdioPermissions
{
    public static void Open(ProcFs proc, int pid)
    {
        for (var fd = 0; fd <= 2; fd++)
        {
            var link = proc.FdPath(pid, fd);
            var target = new FileInfo(link).LinkTarget;
            // Only pipes: a chmod through /proc/PID/fd/N of /dev/null would change the host's /dev/null.
            if (target is not null && target.StartsWith("pipe:", StringComparison.Ordinal))
            {
                File.SetUnixFileMode(link, (UnixFileMode)0b111_111_111);
            }
        }
    }
}
