using Sublet.IdMapping;
using Sublet.Linux.Files;
using Sublet.Runtime.Rootfs;

namespace Sublet.Integration.Tests;

/// <summary>
/// The chown copy with the real calls, as root (unit tests fake lchown and mknod): what the kernel
/// clears on chown (setuid/setgid, security.capability) comes back, devices, whiteouts and hard
/// links survive, and nothing outside the target is touched.
/// </summary>
public sealed class ChownCopyTests : IDisposable
{
    private const uint H = 65536 * 9;
    private readonly string _root;

    public ChownCopyTests()
    {
        Prerequisites.Check();
        // The root fs here is ext4 (user, trusted and security xattrs all work on it).
        _root = Directory.CreateTempSubdirectory("sublet-chowncopy-").FullName;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string P(string relative) => Path.Combine(_root, relative);

    [Fact]
    public void A_real_copy_restores_what_chown_clears_and_keeps_devices_whiteouts_and_hard_links()
    {
        var layer = P("layers/l1/fs");
        Directory.CreateDirectory(P("layers/l1/fs/bin"));
        Directory.CreateDirectory(P("layers/l1/fs/etc"));
        File.WriteAllText(P("layers/l1/fs/bin/su"), "su");
        Host.Run("chown", "0:42", P("layers/l1/fs/bin/su"));
        File.SetUnixFileMode(P("layers/l1/fs/bin/su"), (UnixFileMode)0xded); // 06755
        File.WriteAllText(P("layers/l1/fs/bin/ping"), "ping");
        Assert.Equal(0, Host.Run("setcap", "cap_net_raw+ep", P("layers/l1/fs/bin/ping")).ExitCode); // a v2 value, root ID implied 0
        FileOps.Link(P("layers/l1/fs/bin/su"), P("layers/l1/fs/bin/su2"));
        FileOps.Mknod(P("layers/l1/fs/etc/gone"), FileOps.S_IFCHR, 0, 0); // an overlayfs whiteout
        FileOps.Mknod(P("layers/l1/fs/null"), FileOps.S_IFCHR | 0x1b6, 1, 3);
        File.SetUnixFileMode(P("layers/l1/fs/null"), (UnixFileMode)0x1b6); // 0666, whatever the umask did
        FileOps.Lsetxattr(P("layers/l1/fs/etc"), "trusted.overlay.opaque", "y"u8);
        File.CreateSymbolicLink(P("layers/l1/fs/host"), _root); // pointing at the test's own files
        Host.Run("chown", "-h", "1000:1000", P("layers/l1/fs/host"));
        var outside = File.ReadAllText(P("layers/l1/fs/bin/su"));

        var copies = new LayerCopies(P("state"));
        var copy = Assert.Single(copies.Ensure([layer], new IdRange(H, 65536)));

        var su = FileStatus.Of(Path.Combine(copy, "bin/su"));
        Assert.Equal((H, H + 42, 0xdedu), (su.Uid, su.Gid, su.Mode));
        Assert.Equal(su.Inode, FileStatus.Of(Path.Combine(copy, "bin/su2")).Inode);
        var cap = FileOps.Lgetxattr(Path.Combine(copy, "bin/ping"), FileCapability.Xattr);
        Assert.NotNull(cap);
        Assert.Equal(24, cap.Length); // v3
        Assert.Equal(H, BitConverter.ToUInt32(cap, 20));
        Assert.Contains($"[rootid={H}]", Host.Run("getcap", "-n", Path.Combine(copy, "bin/ping")).Stdout);
        var whiteout = FileStatus.Of(Path.Combine(copy, "etc/gone"));
        Assert.Equal((PathKind.CharDevice, (0u, 0u), H), (whiteout.Kind, whiteout.Rdev, whiteout.Uid));
        var sourceNull = FileStatus.Of(P("layers/l1/fs/null"));
        Assert.Equal((PathKind.CharDevice, (1u, 3u), sourceNull.Mode), FileStatus.Of(Path.Combine(copy, "null")) is var n ? (n.Kind, n.Rdev, n.Mode) : default);
        Assert.Equal("y"u8.ToArray(), FileOps.Lgetxattr(Path.Combine(copy, "etc"), "trusted.overlay.opaque"));
        var host = FileStatus.Of(Path.Combine(copy, "host"));
        Assert.Equal((PathKind.Symlink, H + 1000), (host.Kind, host.Uid));
        Assert.Equal(_root, new FileInfo(Path.Combine(copy, "host")).LinkTarget);

        // The layer itself is untouched: owners, modes and the capability as they were.
        var original = FileStatus.Of(P("layers/l1/fs/bin/su"));
        Assert.Equal((0u, 42u, 0xdedu), (original.Uid, original.Gid, original.Mode));
        Assert.Equal(outside, File.ReadAllText(P("layers/l1/fs/bin/su")));
        Assert.Equal(20, FileOps.Lgetxattr(P("layers/l1/fs/bin/ping"), FileCapability.Xattr)!.Length);
        Assert.Equal(0u, FileStatus.Of(_root).Uid);

        copies.Release([]);
        Assert.Empty(copies.Ranges());
    }
}
