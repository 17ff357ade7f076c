using System.Formats.Tar;
using System.Text;
using Sublet.Linux.Files;

namespace Sublet.Images.Tests;

/// <summary>What an unpacked layer holds: owners, modes, times, devices, links, xattrs, whiteouts (as root).</summary>
public sealed class LayerContentTests : IDisposable
{
    private readonly TestDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Unpack(Tars tars)
    {
        var layout = Directory.CreateDirectory(_dir["layout"]).FullName;
        Layouts.WriteOci(layout, "localhost/content:1", [TestLayer.Of(tars)]);
        var store = new ImageStore(_dir["store"]);
        return store.LayerPaths(Assert.Single(store.Load(layout)))[0];
    }

    [Fact]
    public void Owners_modes_times_and_setuid_bits_are_kept()
    {
        var setuid = (UnixFileMode)Convert.ToInt32("4755", 8);
        var fs = Unpack(new Tars()
            .Dir("./", (UnixFileMode)Convert.ToInt32("755", 8))
            .Dir("home", (UnixFileMode)Convert.ToInt32("750", 8), uid: 1000, gid: 1001)
            .File("home/su", "x", setuid, uid: 1000, gid: 1001)
            .Dir("tmp", (UnixFileMode)Convert.ToInt32("1777", 8))
            .Symlink("home/link", "su"));

        var su = Path.Combine(fs, "home/su");
        Assert.Equal(setuid, File.GetUnixFileMode(su));
        Assert.Equal((1000, 1001), Owner(su));
        Assert.Equal((1000, 1001), Owner(Path.Combine(fs, "home")));
        Assert.Equal((UnixFileMode)Convert.ToInt32("1777", 8), File.GetUnixFileMode(Path.Combine(fs, "tmp")));
        Assert.Equal(Tars.Epoch.UtcDateTime, File.GetLastWriteTimeUtc(su));
        // Set last, after "su" and "link" were created inside it.
        Assert.Equal(Tars.Epoch.UtcDateTime, Directory.GetLastWriteTimeUtc(Path.Combine(fs, "home")));
        Assert.Equal("su", new FileInfo(Path.Combine(fs, "home/link")).LinkTarget);
    }

    [Fact]
    public void Devices_fifos_and_hard_links_are_made()
    {
        var fs = Unpack(new Tars()
            .Device("null", TarEntryType.CharacterDevice, 1, 3)
            .Device("loop", TarEntryType.BlockDevice, 7, 0)
            .Device("pipe", TarEntryType.Fifo, 0, 0)
            .File("a", "shared")
            .HardLink("b", "./a"));

        Assert.Equal("crw-rw-rw-", Ls(Path.Combine(fs, "null"))[..10]);
        Assert.Contains("1, 3", Ls(Path.Combine(fs, "null")));
        Assert.StartsWith("b", Ls(Path.Combine(fs, "loop")));
        Assert.StartsWith("p", Ls(Path.Combine(fs, "pipe")));
        File.AppendAllText(Path.Combine(fs, "a"), "!");
        Assert.Equal("shared!", File.ReadAllText(Path.Combine(fs, "b")));
    }

    [Fact]
    public void Whiteouts_become_overlayfs_devices_and_opaque_xattrs()
    {
        var fs = Unpack(new Tars()
            .Dir("etc")
            .File("etc/.wh.gone")
            .Dir("var")
            .File("var/.wh..wh..opq")
            .File("var/kept", "k")
            .File(".wh.kept-in-layer").File("kept-in-layer", "same layer wins"));

        var gone = Path.Combine(fs, "etc/gone");
        Assert.StartsWith("c", Ls(gone));
        Assert.Contains(" 0, 0 ", Ls(gone));
        Assert.False(File.Exists(Path.Combine(fs, "etc/.wh.gone")));
        Assert.Equal("y"u8.ToArray(), FileOps.Lgetxattr(Path.Combine(fs, "var"), "trusted.overlay.opaque"));
        Assert.False(File.Exists(Path.Combine(fs, "var/.wh..wh..opq")));
        Assert.Equal("same layer wins", File.ReadAllText(Path.Combine(fs, "kept-in-layer")));
    }

    [Fact]
    public void Pax_xattrs_are_applied_except_overlay_ones()
    {
        var fs = Unpack(new Tars().File("f", pax: new Dictionary<string, string>
        {
            ["SCHILY.xattr.user.note"] = "hello",
            ["SCHILY.xattr.trusted.overlay.redirect"] = "/etc",
        }));

        Assert.Equal(Encoding.UTF8.GetBytes("hello"), FileOps.Lgetxattr(Path.Combine(fs, "f"), "user.note"));
        Assert.Null(FileOps.Lgetxattr(Path.Combine(fs, "f"), "trusted.overlay.redirect"));
    }

    private static (int Uid, int Gid) Owner(string path)
    {
        var fields = Run("stat", "-c", "%u %g", path).Split(' ');
        return (int.Parse(fields[0]), int.Parse(fields[1]));
    }

    private static string Ls(string path) => Run("ls", "-ld", path);

    private static string Run(string file, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardOutput = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return output;
    }
}
