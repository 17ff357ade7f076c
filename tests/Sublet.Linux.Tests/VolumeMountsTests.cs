using Sublet.Linux.Mounts;

namespace Sublet.Linux.Tests;

/// <summary>openat2 beneath a root needs no privilege: the real calls, on a temp directory.</summary>
public sealed class VolumeMountsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sublet-beneath-").FullName;
    private readonly LinuxVolumeMounts _mounts = new();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("/etc")]
    [InlineData("../..")]
    [InlineData("inside/../../..")]
    public void A_symlink_leading_out_is_an_escape(string target)
    {
        Directory.CreateDirectory(Path.Combine(_root, "inside"));
        File.CreateSymbolicLink(Path.Combine(_root, "link"), target);
        var e = Assert.Throws<PathEscapeException>(() => _mounts.OpenBeneath(_root, "link/x"));
        Assert.Equal("link/x", e.Relative);
        Assert.Throws<PathEscapeException>(() => _mounts.OpenBeneath(_root, "../x"));
    }

    [Fact]
    public void A_symlink_within_the_root_is_followed_and_a_missing_path_is_null()
    {
        Directory.CreateDirectory(Path.Combine(_root, "real"));
        File.CreateSymbolicLink(Path.Combine(_root, "alias"), "real");
        using var fd = _mounts.OpenBeneath(_root, "alias");
        Assert.NotNull(fd);
        Assert.Null(_mounts.OpenBeneath(_root, "real/missing"));
    }

    [Fact]
    public void Missing_directories_get_the_root_mode_despite_the_umask()
    {
        File.SetUnixFileMode(_root, (UnixFileMode)Convert.ToInt32("2775", 8));
        Directory.CreateDirectory(Path.Combine(_root, "a"));
        _mounts.CreateDirectoriesBeneath(_root, "a/b/c");

        Assert.Equal((UnixFileMode)Convert.ToInt32("2775", 8), File.GetUnixFileMode(Path.Combine(_root, "a", "b", "c")));
        Assert.Equal((UnixFileMode)Convert.ToInt32("2775", 8), File.GetUnixFileMode(Path.Combine(_root, "a", "b")));
    }

    [Fact]
    public void Creating_through_a_symlink_that_leads_out_is_an_escape()
    {
        var outside = Directory.CreateTempSubdirectory("sublet-outside-").FullName;
        try
        {
            File.CreateSymbolicLink(Path.Combine(_root, "out"), outside);
            Assert.Throws<PathEscapeException>(() => _mounts.CreateDirectoriesBeneath(_root, "out/made"));
            Assert.False(Directory.Exists(Path.Combine(outside, "made")));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }
}
