using Sublet.Linux;
using Sublet.Linux.Files;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Rootfs;

namespace Sublet.Runtime.Tests;

/// <summary>Answers reads from a table and records them.</summary>
internal sealed class FakeRootedFiles(Dictionary<string, RootedFile> files, LinuxError? error = null) : IRootedFiles
{
    public List<string> Reads { get; } = [];

    public RootedFile Read(string root, string path, int maxBytes)
    {
        Reads.Add($"{root} {path} {maxBytes}");
        return error is not null ? throw error : files.GetValueOrDefault(path) ?? new RootedFile(PathKind.Missing, null);
    }
}

public sealed class ImageFilesTests
{
    private static string? Read(RootedFile file) =>
        new ImageFiles(new FakeRootedFiles(new() { ["/etc/passwd"] = file })).Read("/rootfs", "/etc/passwd", "app", "localhost/x:1");

    [Fact]
    public void A_regular_file_is_its_text_and_a_missing_one_is_null()
    {
        Assert.Equal("root:x:0:0::/:/bin/sh\n", Read(new RootedFile(PathKind.Regular, "root:x:0:0::/:/bin/sh\n"u8.ToArray())));
        Assert.Null(Read(new RootedFile(PathKind.Missing, null)));
    }

    [Theory]
    [InlineData(PathKind.Fifo, "a FIFO")]
    [InlineData(PathKind.CharDevice, "a character device")]
    [InlineData(PathKind.BlockDevice, "a block device")]
    [InlineData(PathKind.Socket, "a socket")]
    [InlineData(PathKind.Directory, "a directory")]
    public void Anything_but_a_regular_file_fails_the_container_naming_file_and_image(PathKind kind, string what)
    {
        var e = Assert.Throws<PlanException>(() => Read(new RootedFile(kind, null)));
        Assert.Equal($"container \"app\": image localhost/x:1: /etc/passwd is {what}, not a regular file", e.Message);
    }

    [Fact]
    public void A_file_over_the_limit_fails_the_container()
    {
        var e = Assert.Throws<PlanException>(() => Read(new RootedFile(PathKind.Regular, null)));
        Assert.Equal("container \"app\": image localhost/x:1: /etc/passwd is larger than 1048576 bytes", e.Message);
    }

    [Fact]
    public void The_read_is_bounded_and_an_unsafe_path_fails_with_the_kernels_reason()
    {
        var files = new FakeRootedFiles([], new LinuxError("openat2 (in root)", "/rootfs/etc/group", Errno.ELOOP));
        var e = Assert.Throws<PlanException>(() => new ImageFiles(files).Read("/rootfs", "/etc/group", "app", "localhost/x:1"));
        Assert.StartsWith("container \"app\": image localhost/x:1: /etc/group can't be read safely: openat2 (in root) /rootfs/etc/group:", e.Message);
        Assert.Equal(["/rootfs /etc/group 1048576"], files.Reads);
    }
}
