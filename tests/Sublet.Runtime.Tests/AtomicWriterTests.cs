using System.Text;
using Sublet.Runtime.Oci;
using Sublet.Kubelet.Volumes;

namespace Sublet.Runtime.Tests;

public sealed class AtomicWriterTests : IDisposable
{
    private readonly TestDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static ProjectedFile F(string path, string text, int mode = 0b110_100_100) => new(path, Encoding.UTF8.GetBytes(text), mode);

    private string Target()
    {
        Directory.CreateDirectory(_dir["vol"]);
        return _dir["vol"];
    }

    private static string[] Entries(string dir) =>
        Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void The_first_write_makes_a_timestamped_dir_the_data_link_and_one_link_per_top_level_path()
    {
        var target = Target();
        var time = new ManualTime(new DateTimeOffset(2026, 11, 23, 22, 40, 5, TimeSpan.Zero).AddTicks(1234567));
        Assert.True(new AtomicWriter(target, time).Write([F("a", "1"), F("conf/b.yaml", "2", 0b100_000_000)]));

        Assert.Equal(["..2026_11_23_22_40_05.123456700", "..data", "a", "conf"], Entries(target));
        Assert.Equal("..2026_11_23_22_40_05.123456700", new FileInfo(Path.Combine(target, "..data")).LinkTarget);
        Assert.Equal("..data/a", new FileInfo(Path.Combine(target, "a")).LinkTarget);
        Assert.Equal("..data/conf", new FileInfo(Path.Combine(target, "conf")).LinkTarget);
        Assert.Equal("2", File.ReadAllText(Path.Combine(target, "conf", "b.yaml")));
        Assert.Equal((UnixFileMode)0b100_000_000, File.GetUnixFileMode(Path.Combine(target, "..data", "conf", "b.yaml")));
        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(Path.Combine(target, "..data", "a")));
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(Path.Combine(target, "..2026_11_23_22_40_05.123456700")));
    }

    [Fact]
    public void An_update_swaps_the_data_link_drops_gone_keys_and_removes_the_old_version()
    {
        var target = Target();
        var time = new ManualTime(new DateTimeOffset(2026, 11, 23, 22, 40, 5, TimeSpan.Zero));
        var writer = new AtomicWriter(target, time);
        writer.Write([F("a", "1"), F("b", "2")]);
        var first = new FileInfo(Path.Combine(target, "..data")).LinkTarget!;

        // A reader holding the old version keeps seeing it whole while the new one is published.
        using var held = File.OpenRead(Path.Combine(target, "..data", "a"));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(writer.Write([F("a", "new"), F("c", "3")]));

        var second = new FileInfo(Path.Combine(target, "..data")).LinkTarget!;
        Assert.NotEqual(first, second);
        Assert.Equal([second, "..data", "a", "c"], Entries(target));
        Assert.Equal("new", File.ReadAllText(Path.Combine(target, "a")));
        Assert.Equal("3", File.ReadAllText(Path.Combine(target, "c")));
        Assert.Equal("1", new StreamReader(held).ReadToEnd());
    }

    [Fact]
    public void The_same_payload_again_touches_nothing_but_a_mode_change_is_written()
    {
        var target = Target();
        var writer = new AtomicWriter(target);
        writer.Write([F("a", "1")]);
        var first = new FileInfo(Path.Combine(target, "..data")).LinkTarget;

        Assert.False(writer.Write([F("a", "1")]));
        Assert.Equal(first, new FileInfo(Path.Combine(target, "..data")).LinkTarget);
        Assert.True(writer.Write([F("a", "1", 0b100_100_100)]));
        Assert.Equal((UnixFileMode)0b100_100_100, File.GetUnixFileMode(Path.Combine(target, "a")));
    }

    [Fact]
    public void An_empty_payload_leaves_an_empty_version()
    {
        var target = Target();
        new AtomicWriter(target).Write([F("a", "1")]);
        Assert.True(new AtomicWriter(target).Write([]));
        Assert.Equal(2, Entries(target).Length); // ..data and its (empty) directory
    }

    [Theory]
    [InlineData("/etc/passwd", "must be relative path")]
    [InlineData("../x", "must not contain '..'")]
    [InlineData("a/../../x", "must not contain '..'")]
    [InlineData("..data", "must not start with '..'")]
    [InlineData("", "must not be empty")]
    public void Paths_are_checked_before_anything_is_written(string path, string problem)
    {
        var target = Target();
        var error = Assert.Throws<PlanException>(() => new AtomicWriter(target).Write([F("ok", "1"), F(path, "x")]));
        Assert.Contains(problem, error.Message);
        Assert.Empty(Entries(target));
    }

    [Fact]
    public void Strays_in_the_volume_neither_block_an_update_nor_get_deleted_unless_they_are_ours()
    {
        var target = Target();
        var time = new ManualTime(new DateTimeOffset(2026, 11, 23, 22, 40, 5, TimeSpan.Zero));
        var writer = new AtomicWriter(target, time);
        writer.Write([F("a", "1")]);
        Directory.CreateDirectory(Path.Combine(target, "..data_tmp", "x")); // an interrupted or planted entry
        Directory.CreateDirectory(Path.Combine(target, "stray"));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(writer.Write([F("a", "2")]));

        Assert.Equal("2", File.ReadAllText(Path.Combine(target, "a")));
        Assert.True(Directory.Exists(Path.Combine(target, "stray"))); // not a symlink into ..data: not ours to delete
        Assert.False(Directory.Exists(Path.Combine(target, "..data_tmp")));
        Assert.Single(Directory.EnumerateDirectories(target, "..2026*"));
    }

    [Fact]
    public void A_failed_publish_leaves_the_old_version_whole_and_no_new_directory()
    {
        var target = Target();
        var time = new ManualTime(new DateTimeOffset(2026, 11, 23, 22, 40, 5, TimeSpan.Zero));
        var writer = new AtomicWriter(target, time);
        writer.Write([F("a", "1")]);
        time.Advance(TimeSpan.FromSeconds(1));

        // A file and a directory of the same name: the second write fails midway.
        Assert.ThrowsAny<IOException>(() => writer.Write([F("b", "x"), F("b/c", "y")]));

        Assert.Equal("1", File.ReadAllText(Path.Combine(target, "a")));
        Assert.Single(Directory.EnumerateDirectories(target, "..2026*"));
    }
}

/// <summary>A clock that moves only when told.</summary>
internal sealed class ManualTime(DateTimeOffset now) : TimeProvider
{
    private DateTimeOffset _now = now;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
