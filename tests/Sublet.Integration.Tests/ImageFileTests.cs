using System.Formats.Tar;

namespace Sublet.Integration.Tests;

/// <summary>
/// Issue 19 hole 3: /etc/passwd and /etc/group are read by Sublet, as host root, from the image.
/// A FIFO there hung the start, /dev/zero there was read until OutOfMemory, a symlink could point
/// at the host's files. Each hostile image now fails the pod at once with the file, the image and
/// the reason, and leaves nothing behind; a symlink resolves inside the image, never on the host.
/// </summary>
public sealed class ImageFileTests
{
    private static string Pod(string name, string image, bool hostUsers, string command = "[\"true\"]") => $"""
        apiVersion: v1
        kind: Pod
        metadata: {"{"}name: {name}{"}"}
        spec:
          hostUsers: {(hostUsers ? "true" : "false")}
          restartPolicy: Never
          terminationGracePeriodSeconds: 0
          containers:
            - {"{"}name: app, image: {image}, command: {command}{"}"}
        """;

    public static TheoryData<string, bool, string> HostileFiles => new()
    {
        { "fifo", false, "image IMAGE: /etc/passwd is a FIFO, not a regular file" },
        { "zero", false, "image IMAGE: /etc/group is a character device, not a regular file" },
        // With host users the rootfs is not nodev: /dev/zero would open and never end.
        { "zero", true, "image IMAGE: /etc/group is a character device, not a regular file" },
        { "huge", false, "image IMAGE: /etc/passwd is larger than 1048576 bytes" },
        { "loop", false, "image IMAGE: /etc/passwd can't be read safely: " },
        // Resolved inside the image, where there is no /etc/shadow; on the host, root would be found.
        { "shadow", false, "image user \"root\" needs /etc/passwd, and the image has none" },
    };

    private static (TarEntry[] Entries, string? User) Image(string kind) => kind switch
    {
        "fifo" => ([TestImages.Fifo("etc/passwd")], null),
        "zero" => ([TestImages.CharDevice("etc/group", 1, 5)], null),
        "huge" => ([TestImages.RegularFile("etc/passwd", Enumerable.Repeat((byte)'#', (1 << 20) + 1).ToArray())], null),
        "loop" => ([TestImages.Symlink("etc/passwd", "/etc/passwd")], null),
        "shadow" => ([TestImages.Symlink("etc/passwd", "/etc/shadow")], "root"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void AHostileAccountFileFailsThePodWithTheReasonAndLeavesNothing(string kind, bool hostUsers, string reason)
    {
        Assert.True(File.ReadAllText("/etc/shadow").StartsWith("root:", StringComparison.Ordinal), "the host's /etc/shadow has root first");
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var (entries, user) = Image(kind);
        var image = TestImages.Load(env, kind, entries, user);
        var before = env.Leftovers();

        var result = env.Run("play", env.WriteManifest(Pod("hostile-" + kind, image, hostUsers)));

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains("Error: container \"app\": " + reason.Replace("IMAGE", image, StringComparison.Ordinal), result.Stderr);
        Assert.Equal(before.ToString(), env.Leftovers().ToString());
        Assert.Empty(env.Json("ps").EnumerateArray());
    }

    [Fact]
    public void AnAbsoluteSymlinkIsTheImagesOwnFileAsInNixImages()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var image = TestImages.Load(env, "inroot", [
            TestImages.Dir("nix/"),
            TestImages.RegularFile("nix/passwd", "app:x:4242:4343::/:/bin/sh\n"),
            TestImages.Symlink("etc/passwd", "/nix/passwd"),
            TestImages.Symlink("etc/group", "../../../../nix/passwd"), // climbing stops at the image's root
        ], user: "app");

        var result = env.Run("play", "--wait", env.WriteManifest(Pod("inroot", image, hostUsers: false, "[\"id\", \"-u\"]")));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("4242", result.Stdout.Trim());
        env.AssertNoLeftovers();
    }
}
