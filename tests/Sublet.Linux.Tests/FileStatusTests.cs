using Sublet.Linux.Files;

namespace Sublet.Linux.Tests;

/// <summary>lstat, llistxattr and O_NOFOLLOW opens on a temp dir (no root needed).</summary>
public sealed class FileStatusTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sublet-filestatus-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Lstat_describes_a_symlink_itself_and_a_file_with_its_mode_links_and_mtime()
    {
        var file = Path.Combine(_dir, "f");
        File.WriteAllText(file, "x");
        File.SetUnixFileMode(file, (UnixFileMode)0x3c0); // 01700
        var mtime = new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero).AddTicks(1234500);
        FileOps.Lutimes(file, mtime, mtime);
        FileOps.Link(file, Path.Combine(_dir, "g"));
        var link = Path.Combine(_dir, "l");
        File.CreateSymbolicLink(link, file);

        var status = FileStatus.Of(file);
        Assert.Equal((PathKind.Regular, 0x3c0u, 2u, mtime), (status.Kind, status.Mode, status.Links, status.Mtime));
        Assert.Equal(status.Inode, FileStatus.Of(Path.Combine(_dir, "g")).Inode);
        Assert.Equal(PathKind.Symlink, FileStatus.Of(link).Kind);
        Assert.NotEqual(status.Inode, FileStatus.Of(link).Inode);
        Assert.Equal(Errno.ENOENT, Assert.Throws<LinuxError>(() => FileStatus.Of(Path.Combine(_dir, "missing"))).Errno);
    }

    [Fact]
    public void Llistxattr_lists_names_and_is_empty_without_attributes()
    {
        var file = Path.Combine(_dir, "f");
        File.WriteAllText(file, "x");
        Assert.Empty(FileOps.Llistxattr(file));
        FileOps.Lsetxattr(file, "user.one", "1"u8);
        FileOps.Lsetxattr(file, "user.two", "2"u8);
        Assert.Equal(["user.one", "user.two"], FileOps.Llistxattr(file).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void OpenReadNoFollow_reads_a_file_and_refuses_a_symlink()
    {
        var file = Path.Combine(_dir, "f");
        File.WriteAllText(file, "content");
        File.CreateSymbolicLink(Path.Combine(_dir, "l"), file);
        using (var stream = FileOps.OpenReadNoFollow(file))
        {
            Assert.Equal("content", new StreamReader(stream).ReadToEnd());
        }
        Assert.Equal(Errno.ELOOP, Assert.Throws<LinuxError>(() => FileOps.OpenReadNoFollow(Path.Combine(_dir, "l"))).Errno);
    }
}
