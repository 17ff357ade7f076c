using Sublet.Linux.Files;

namespace Sublet.Runtime.Rootfs;

/// <summary>
/// The file calls of a chown copy. Reads never follow a symlink (lstat, readlink, llistxattr,
/// O_NOFOLLOW opens); writes act on the entry itself (lchown, lsetxattr, utimensat with
/// AT_SYMLINK_NOFOLLOW, O_EXCL creates). Tests substitute a fake for the calls that need root.
/// </summary>
public interface ILayerFiles
{
    FileStatus Lstat(string path);
    IReadOnlyList<string> Names(string directory);
    string ReadLink(string path);
    IReadOnlyList<KeyValuePair<string, byte[]>> Xattrs(string path);
    void CreateDirectory(string path);
    void CopyContents(string source, string target);
    void Symlink(string path, string target);
    void MakeNode(string path, FileStatus like);
    void HardLink(string existing, string path);
    void Lchown(string path, uint uid, uint gid);
    void Chmod(string path, uint mode);
    void SetXattr(string path, string name, byte[] value);
    void SetMtime(string path, DateTimeOffset mtime);
}

/// <summary>The real calls, through <see cref="FileOps"/>.</summary>
public sealed class LinuxLayerFiles : ILayerFiles
{
    public FileStatus Lstat(string path) => FileStatus.Of(path);

    // Only called on a path lstat found to be a directory, below a root this process owns.
    public IReadOnlyList<string> Names(string directory) =>
        [.. Directory.EnumerateFileSystemEntries(directory).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    // FileSystemInfo.LinkTarget is readlink(2) on the entry itself.
    public string ReadLink(string path) => new FileInfo(path).LinkTarget ?? throw new IOException($"{path}: not a symlink any more");

    public IReadOnlyList<KeyValuePair<string, byte[]>> Xattrs(string path) =>
        [.. FileOps.Llistxattr(path).Select(name => new KeyValuePair<string, byte[]>(name, FileOps.Lgetxattr(path, name) ?? []))];

    public void CreateDirectory(string path) => Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

    public void CopyContents(string source, string target)
    {
        using var input = FileOps.OpenReadNoFollow(source);
        // CreateNew is O_CREAT|O_EXCL: never follows a symlink at the last component.
        using var output = new FileStream(target, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        input.CopyTo(output, 1 << 20);
    }

    public void Symlink(string path, string target) => File.CreateSymbolicLink(path, target);

    public void MakeNode(string path, FileStatus like)
    {
        var type = like.Kind switch
        {
            PathKind.CharDevice => FileOps.S_IFCHR,
            PathKind.BlockDevice => FileOps.S_IFBLK,
            PathKind.Fifo => FileOps.S_IFIFO,
            PathKind.Socket => 0xC000u, // S_IFSOCK: mknod(2) makes a socket inode without binding it
            _ => throw new ArgumentException($"{path}: {like.Kind} is made otherwise", nameof(like)),
        };
        FileOps.Mknod(path, type | like.Mode & 0x1ff, like.Rdev.Major, like.Rdev.Minor);
    }

    public void HardLink(string existing, string path) => FileOps.Link(existing, path);

    public void Lchown(string path, uint uid, uint gid) => FileOps.Lchown(path, uid, gid);

    // chmod(2) follows symlinks; the copier calls this only on entries it just created as non-symlinks.
    public void Chmod(string path, uint mode) => File.SetUnixFileMode(path, (UnixFileMode)mode);

    public void SetXattr(string path, string name, byte[] value) => FileOps.Lsetxattr(path, name, value);

    public void SetMtime(string path, DateTimeOffset mtime) => FileOps.Lutimes(path, mtime, mtime);
}
