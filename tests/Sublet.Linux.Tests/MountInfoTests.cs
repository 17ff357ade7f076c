using Sublet.Linux.Mounts;

namespace Sublet.Linux.Tests;

public sealed class MountInfoTests
{
    /// <summary>A mountinfo line (proc(5)) whose only interesting field is the mount point.</summary>
    private static string Line(int id, string mountPoint) =>
        $"{id} 1 0:{id} / {mountPoint} rw,relatime shared:{id} - tmpfs tmpfs rw\n";

    private static string Table(params string[] mountPoints) =>
        string.Concat(mountPoints.Select((p, i) => Line(100 + i, p)));

    [Theory]
    [InlineData(@"/plain", "/plain")]
    [InlineData(@"/with\040space", "/with space")]
    [InlineData(@"/tab\011here", "/tab\there")]
    [InlineData(@"/new\012line", "/new\nline")]
    [InlineData(@"/back\134slash", @"/back\slash")]
    [InlineData(@"/a\040b\040c", "/a b c")]
    [InlineData(@"/not\08octal", @"/not\08octal")]
    [InlineData(@"/short\04", @"/short\04")]
    [InlineData(@"/trailing\", @"/trailing\")]
    public void Unescape_decodes_the_kernels_octal_escapes(string field, string expected) =>
        Assert.Equal(expected, MountInfo.Unescape(field));

    [Fact]
    public void MountPoints_reads_field_five_unescaped_and_skips_short_lines()
    {
        var text = Line(1, "/") + "garbage line\n\n" + Line(2, @"/run/my\040dir");
        Assert.Equal(["/", "/run/my dir"], MountInfo.MountPoints(text));
    }

    [Fact]
    public void MountPointsUnder_is_deepest_first_then_latest_first()
    {
        var text = Table(
            "/",
            "/run/sublet/pods/ab",
            "/run/sublet/pods/ab/c/app/rootfs",
            "/run/sublet/pods/ab/shm",
            "/run/sublet/pods/ab/c/app/rootfs/proc",
            "/run/sublet/pods/ab/shm", // mounted over the first one
            "/var/lib/other");

        Assert.Equal(
            [
                "/run/sublet/pods/ab/c/app/rootfs/proc",
                "/run/sublet/pods/ab/c/app/rootfs",
                "/run/sublet/pods/ab/shm",
                "/run/sublet/pods/ab/shm",
                "/run/sublet/pods/ab",
            ],
            MountInfo.MountPointsUnder(text, "/run/sublet/pods/ab"));
    }

    [Fact]
    public void Latest_first_at_equal_depth_follows_mount_order_not_names()
    {
        var text = Table("/p/b", "/p/a", "/p/c");
        Assert.Equal(["/p/c", "/p/a", "/p/b"], MountInfo.MountPointsUnder(text, "/p"));
    }

    [Theory]
    [InlineData("/run/sublet/pods/ab")]
    [InlineData("/run/sublet/pods/ab/")]
    public void The_prefix_matches_only_at_a_path_boundary(string prefix)
    {
        var text = Table("/run/sublet/pods/abc", "/run/sublet/pods/abc/x", "/run/sublet/pods/ab-1", "/run/sublet/pods/ab/x", "/run/sublet/pods/a");
        Assert.Equal(["/run/sublet/pods/ab/x"], MountInfo.MountPointsUnder(text, prefix));
    }

    [Fact]
    public void Escaped_mount_points_are_matched_after_unescaping()
    {
        var text = Line(1, @"/run/my\040pods/p1/rootfs") + Line(2, @"/run/my\040podsX");
        Assert.Equal(["/run/my pods/p1/rootfs"], MountInfo.MountPointsUnder(text, "/run/my pods"));
    }

    [Fact]
    public void Nothing_under_the_prefix_is_an_empty_list() =>
        Assert.Empty(MountInfo.MountPointsUnder(Table("/", "/proc", "/sys"), "/run/sublet"));

    [Fact]
    public void LinuxMounter_reads_the_given_mountinfo_file()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, Table("/", "/x/y", "/x"));
            Assert.Equal(["/x/y", "/x"], new LinuxMounter(path).MountPointsUnder("/x"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

public sealed class MountPeersTests
{
    private const string Table = """
        22 1 0:21 / /proc rw,relatime - proc proc rw
        30 1 0:30 / /srv/shared rw shared:7 - tmpfs tmpfs rw
        31 1 0:31 / /srv/slave\040dir rw master:7 - tmpfs tmpfs rw
        32 1 0:32 / /srv/both rw shared:9 master:7 - tmpfs tmpfs rw
        """;

    [Theory]
    [InlineData(22UL, "/proc", false, false)]
    [InlineData(30UL, "/srv/shared", true, false)]
    [InlineData(31UL, "/srv/slave dir", false, true)]
    [InlineData(32UL, "/srv/both", true, true)]
    public void Optional_fields_tell_shared_and_slave(ulong id, string mountPoint, bool shared, bool slave) =>
        Assert.Equal(new MountPeers(mountPoint, shared, slave), MountPeers.Parse(Table, id));

    [Fact]
    public void An_unknown_mount_is_null() => Assert.Null(MountPeers.Parse(Table, 99));
}
