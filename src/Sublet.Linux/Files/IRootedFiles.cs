namespace Sublet.Linux.Files;

/// <summary>What <see cref="IRootedFiles.Read"/> found at a path inside a root.</summary>
/// <param name="Kind">The file type the path resolved to; <see cref="PathKind.Missing"/> when nothing is there (a dangling symlink too). Never <see cref="PathKind.Symlink"/>: links are resolved.</param>
/// <param name="Content">The whole content of a regular file no larger than the limit; null otherwise (for a regular file: it is larger).</param>
public sealed record RootedFile(PathKind Kind, byte[]? Content)
{
    /// <summary>A regular file with more bytes than the limit.</summary>
    public bool TooLarge => Kind == PathKind.Regular && Content is null;
}

/// <summary>
/// Reads files inside a directory that stands for someone else's root filesystem (an image's
/// prepared rootfs), as the host's root, without letting that filesystem steer the read: paths
/// and symlinks resolve as if the directory were "/", only regular files are ever opened for
/// reading, and no more than a given number of bytes is read. <see cref="LinuxRootedFiles"/> acts;
/// tests use a fake.
/// </summary>
public interface IRootedFiles
{
    /// <summary>Reads <paramref name="path"/> (absolute or relative, taken inside <paramref name="root"/>) if it is a regular file of at most <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="LinuxError">The path can't be resolved safely (a magic link, a symlink loop, a mount crossed) or read.</exception>
    RootedFile Read(string root, string path, int maxBytes);
}
