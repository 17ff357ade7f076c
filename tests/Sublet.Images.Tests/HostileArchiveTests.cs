using System.Formats.Tar;

namespace Sublet.Images.Tests;

/// <summary>
/// Layers that try to write, link or delete outside their directory. Each must fail the import
/// with a message naming the entry, leave nothing outside, and leave nothing in the store.
/// </summary>
public sealed class HostileArchiveTests : IDisposable
{
    private readonly TestDir _dir = new();
    private readonly ImageStore _store;
    private readonly string _outside;

    public HostileArchiveTests()
    {
        _store = new ImageStore(_dir["store"]);
        _outside = Directory.CreateDirectory(_dir["outside"]).FullName;
        File.WriteAllText(Path.Combine(_outside, "victim"), "precious");
    }

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string> Cases() => new()
    {
        { "dotdot", "../evil" },
        { "deep-dotdot", string.Concat(Enumerable.Repeat("../", 5000)) + "evil" },
        { "nested-dotdot", "a/../../evil" },
        { "absolute", "/OUTSIDE/evil" },
        { "symlink-abs-parent", "a/evil" },
        { "symlink-dotdot-parent", "a/a/evil" },
        { "symlink-chain", "b/evil" },
        { "hardlink-abs", "link" },
        { "hardlink-dotdot", "link" },
        { "hardlink-through-symlink", "link" },
        { "whiteout-dotdot", "a/.wh..." },
        { "whiteout-through-symlink", "a/.wh.victim" },
        { "opaque-through-symlink", "a/.wh..wh..opq" },
        { "file-then-child", "f/evil" },
    };

    private Tars Build(string name) => name switch
    {
        "dotdot" => new Tars().File("ok").File("../evil"),
        "deep-dotdot" => new Tars().File(string.Concat(Enumerable.Repeat("../", 5000)) + "evil"),
        "nested-dotdot" => new Tars().Dir("a").File("a/../../evil"),
        "absolute" => new Tars().File(_outside + "/evil"),
        "symlink-abs-parent" => new Tars().Symlink("a", _outside).File("a/evil"),
        "symlink-dotdot-parent" => new Tars().Dir("d").Symlink("d/a", "..").Symlink("a", "d/a").File("a/a/evil"),
        "symlink-chain" => new Tars().Symlink("c", _outside).Symlink("b", "c").File("b/evil"),
        "hardlink-abs" => new Tars().HardLink("link", _outside + "/victim"),
        "hardlink-dotdot" => new Tars().HardLink("link", "../../../../outside/victim"),
        "hardlink-through-symlink" => new Tars().Symlink("a", _outside).HardLink("link", "a/victim"),
        "whiteout-dotdot" => new Tars().Dir("a").File("a/.wh..."),
        "whiteout-through-symlink" => new Tars().Symlink("a", _outside).File("a/.wh.victim"),
        "opaque-through-symlink" => new Tars().Symlink("a", _outside).File("a/.wh..wh..opq"),
        "file-then-child" => new Tars().File("f").File("f/evil"),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Hostile_layer_fails_naming_the_entry_and_leaves_nothing(string name, string entry)
    {
        var layout = Directory.CreateDirectory(_dir["layout"]).FullName;
        var good = TestLayer.Of(new Tars().File("base"));
        var hostile = TestLayer.Of(Build(name));
        Layouts.WriteOci(layout, "localhost/hostile:1", [good, hostile]);

        var e = Assert.Throws<ImageException>(() => _store.Load(layout));

        Assert.Contains($"layer {Layouts.Sha(hostile.Blob)}: entry \"{entry.Replace("OUTSIDE", _outside[1..])}\"", e.Message);
        AssertNothingEscaped();
        AssertStoreEmpty();
    }

    [Fact]
    public void A_file_replacing_a_symlink_is_written_in_the_layer_not_through_the_link()
    {
        var layout = Directory.CreateDirectory(_dir["layout"]).FullName;
        Layouts.WriteOci(layout, "localhost/replace:1", [TestLayer.Of(new Tars()
            .Symlink("a", _outside).File("a", "mine")
            .Symlink("victim", _outside + "/victim").File("victim", "replaced")
            .File("dup", "one").File("dup", "two").Dir("dup").File("dup/x")
            .Dir("tree").Symlink("tree/out", _outside).File("tree", "tree is a file now"))]);

        var fs = _store.LayerPaths(Assert.Single(_store.Load(layout)))[0];

        Assert.Equal("mine", File.ReadAllText(Path.Combine(fs, "a")));
        Assert.Equal("replaced", File.ReadAllText(Path.Combine(fs, "victim")));
        Assert.True(File.Exists(Path.Combine(fs, "dup/x")));
        Assert.Equal("tree is a file now", File.ReadAllText(Path.Combine(fs, "tree")));
        AssertNothingEscaped();
    }

    [Fact]
    public void Symlinks_are_created_as_is_and_never_followed()
    {
        var layout = Directory.CreateDirectory(_dir["layout"]).FullName;
        Layouts.WriteOci(layout, "localhost/links:1", [TestLayer.Of(new Tars()
            .Symlink("abs", _outside + "/victim").Symlink("up", "../../../../..")
            .Symlink("d", _outside).Dir("d/").File("d/evil"))]);

        var fs = _store.LayerPaths(Assert.Single(_store.Load(layout)))[0];

        Assert.Equal(_outside + "/victim", new FileInfo(Path.Combine(fs, "abs")).LinkTarget);
        Assert.Equal("../../../../..", new FileInfo(Path.Combine(fs, "up")).LinkTarget);
        // A directory entry replaces the symlink: "d/evil" lands in the layer's own "d".
        Assert.Null(new DirectoryInfo(Path.Combine(fs, "d")).LinkTarget);
        Assert.True(File.Exists(Path.Combine(fs, "d/evil")));
        AssertNothingEscaped();
    }

    [Fact]
    public void A_hostile_outer_archive_is_refused()
    {
        var tar = _dir["outer.tar"];
        using (var output = File.Create(tar))
        using (var writer = new TarWriter(output, TarEntryFormat.Pax))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "../../outside/evil") { DataStream = new MemoryStream([1]) });
        }

        var e = Assert.Throws<ImageException>(() => _store.Load(tar));

        Assert.Contains("\"../../outside/evil\"", e.Message);
        AssertNothingEscaped();
        AssertStoreEmpty();
    }

    private void AssertNothingEscaped()
    {
        Assert.Equal(["victim"], Directory.GetFileSystemEntries(_outside).Select(Path.GetFileName));
        Assert.Equal("precious", File.ReadAllText(Path.Combine(_outside, "victim")));
        Assert.False(File.Exists("/tmp/evil"));
        var store = _dir["store"];
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_dir.Path, "evil",
            new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }),
            p => !p.StartsWith(store + "/layers/", StringComparison.Ordinal));
    }

    private void AssertStoreEmpty() => StoreAssert.Empty(_store, _dir["store"]);
}
