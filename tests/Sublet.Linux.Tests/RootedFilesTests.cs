using Sublet.Linux.Files;
using Sublet.Linux.Processes;

namespace Sublet.Linux.Tests;

/// <summary>openat2 RESOLVE_IN_ROOT reads on a temp dir standing for an image rootfs (root only for the device node).</summary>
public sealed class RootedFilesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sublet-rooted-").FullName;
    private readonly LinuxRootedFiles _files = new();

    public RootedFilesTests() => Directory.CreateDirectory(P("etc"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string P(string relative) => Path.Combine(_root, relative);

    private string? Text(string path, int max = 1 << 20) =>
        _files.Read(_root, path, max).Content is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;

    [Theory]
    [InlineData("/etc/shadow")]                    // absolute: the image's own /etc/shadow
    [InlineData("../../../../../../etc/shadow")]   // climbing stops at the root, as at "/"
    [InlineData("/proc/self/root/etc/shadow")]     // no /proc inside: nothing there
    public void Symlinks_resolve_inside_the_root_never_to_the_hosts_files(string target)
    {
        File.CreateSymbolicLink(P("etc/passwd"), target);
        Assert.Equal(PathKind.Missing, _files.Read(_root, "/etc/passwd", 1 << 20).Kind);

        File.WriteAllText(P("etc/shadow"), "app:x:4242:4242::/:/bin/sh\n");
        Assert.Equal(target.StartsWith("/proc", StringComparison.Ordinal) ? null : "app:x:4242:4242::/:/bin/sh\n", Text("/etc/passwd"));
    }

    [Fact]
    public void An_absolute_symlinked_directory_resolves_inside_the_root_too()
    {
        // Nix images: /etc/passwd -> /nix/store/...; Android-like ones: /etc -> /system/etc (containerd issues 12683, 13382).
        Directory.Delete(P("etc"));
        Directory.CreateDirectory(P("system/etc"));
        File.WriteAllText(P("system/etc/group"), "root:x:0:\n");
        File.CreateSymbolicLink(P("etc"), "/system/etc");
        Assert.Equal("root:x:0:\n", Text("/etc/group"));
        Assert.Equal("root:x:0:\n", Text("etc/group"));
    }

    [Fact]
    public void A_fifo_is_reported_without_being_opened_for_reading()
    {
        // An open(O_RDONLY) of a FIFO without a writer blocks; this returns at once or the test hangs.
        FileOps.Mknod(P("etc/passwd"), FileOps.S_IFIFO | 0x1a4, 0, 0);
        Assert.Equal(new RootedFile(PathKind.Fifo, null), _files.Read(_root, "/etc/passwd", 1 << 20));
    }

    [Fact]
    public void A_device_node_is_reported_without_being_read()
    {
        if (!Posix.IsRoot)
        {
            return; // mknod of a device needs CAP_MKNOD; test.sh runs these tests as root
        }
        FileOps.Mknod(P("etc/group"), FileOps.S_IFCHR | 0x1b6, 1, 5); // /dev/zero: a read would never end
        Assert.Equal(new RootedFile(PathKind.CharDevice, null), _files.Read(_root, "/etc/group", 1 << 20));
    }

    [Fact]
    public void A_directory_and_a_missing_path_are_told_apart()
    {
        Assert.Equal(PathKind.Directory, _files.Read(_root, "/etc", 10).Kind);
        Assert.Equal(PathKind.Missing, _files.Read(_root, "/etc/nothing", 10).Kind);
        File.WriteAllText(P("file"), "x");
        Assert.Equal(PathKind.Missing, _files.Read(_root, "/file/below", 10).Kind); // ENOTDIR
    }

    [Fact]
    public void At_most_the_limit_is_read_whatever_size_the_file_claims()
    {
        File.WriteAllText(P("etc/passwd"), "12345");
        Assert.Equal("12345", Text("/etc/passwd", max: 5));
        Assert.True(_files.Read(_root, "/etc/passwd", 4).TooLarge);

        // Sparse: 64 GiB by its size, nothing on disk; only limit + 1 bytes are read.
        using (var sparse = new FileStream(P("etc/group"), FileMode.CreateNew))
        {
            sparse.SetLength(1L << 36);
        }
        Assert.True(_files.Read(_root, "/etc/group", 1 << 20).TooLarge);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(100_000)]   // several times the first buffer: it grows
    [InlineData(1 << 20)]   // exactly the limit
    public void A_file_up_to_the_limit_is_read_whole_whatever_its_size(int size)
    {
        var content = new string('x', size);
        File.WriteAllText(P("etc/passwd"), content);
        Assert.Equal(content, Text("/etc/passwd", max: 1 << 20));
        File.AppendAllText(P("etc/passwd"), "y");
        Assert.Equal(size + 1 > 1 << 20, _files.Read(_root, "/etc/passwd", 1 << 20).TooLarge);
    }
}
