using Sublet.Linux.Files;

namespace Sublet.Linux.Tests;

/// <summary>DiskUsage counts what <c>du -x</c> would: allocated blocks, each inode once, symlinks not followed.</summary>
public sealed class DiskUsageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sublet-du-").FullName;

    [Fact]
    public void Counts_each_inode_once_and_does_not_follow_symlinks()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "a", "b"));
        File.WriteAllBytes(Path.Combine(_dir, "a", "b", "data"), new byte[100_000]);
        FileOps.Link(Path.Combine(_dir, "a", "b", "data"), Path.Combine(_dir, "a", "hardlink"));
        File.CreateSymbolicLink(Path.Combine(_dir, "escape"), "/usr");

        var usage = DiskUsage.Of(_dir);

        Assert.Equal(5UL, usage.Inodes); // root, a, a/b, data (= hardlink), escape
        Assert.InRange(usage.Bytes, 100_000UL, 200_000UL); // /usr behind the symlink is not counted
    }

    [Fact]
    public void A_missing_directory_uses_nothing()
    {
        Assert.Equal(new DiskUsage(0, 0), DiskUsage.Of(Path.Combine(_dir, "missing")));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
