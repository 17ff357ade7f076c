namespace Sublet.Linux.Files;

/// <summary>
/// What exposing host devices to a container reads of the host's filesystem (CRI Device): the
/// path with a final symlink resolved, lstat of an entry, and a directory's entries. Narrow so the
/// walk over a device directory is tested with a recording fake.
/// </summary>
public interface IDeviceFiles
{
    /// <summary>The path itself, or where it points when it is a symlink (containerd's ResolveSymbolicLink: only then, to the end of the chain).</summary>
    string ResolveLink(string path);

    /// <summary>lstat of the entry; null when it does not exist.</summary>
    FileStatus? Stat(string path);

    /// <summary>The names in a directory, sorted.</summary>
    IReadOnlyList<string> Entries(string directory);
}

/// <summary>The host's device files (statx(2) through <see cref="FileStatus"/>).</summary>
public sealed class LinuxDeviceFiles : IDeviceFiles
{
    public string ResolveLink(string path) =>
        PathKinds.Of(path, follow: false) == PathKind.Symlink
            ? new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path
            : path;

    public FileStatus? Stat(string path)
    {
        try
        {
            return FileStatus.Of(path);
        }
        catch (LinuxError e) when (e.Errno is Errno.ENOENT or Errno.ENOTDIR)
        {
            return null;
        }
    }

    public IReadOnlyList<string> Entries(string directory) =>
        [.. Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
}
