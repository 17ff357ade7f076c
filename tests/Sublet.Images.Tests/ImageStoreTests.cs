using System.Formats.Tar;

namespace Sublet.Images.Tests;

/// <summary>Imports through the public API into a private store (runs as root: layers are chowned).</summary>
public sealed class ImageStoreTests : IDisposable
{
    private readonly TestDir _dir = new();
    private readonly ImageStore _store;

    public ImageStoreTests()
    {
        _store = new ImageStore(_dir["store"]);
    }

    public void Dispose() => _dir.Dispose();

    private string NewDir(string name) => Directory.CreateDirectory(_dir[name]).FullName;

    private static TestLayer Base(string compression = "gzip") =>
        TestLayer.Of(new Tars().Dir("./").Dir("bin").File("bin/app", "v1", (UnixFileMode)0x1ed).Symlink("bin/sh", "app"), compression);

    [Theory]
    [InlineData("gzip")]
    [InlineData("zstd")]
    [InlineData("tar")]
    public void Loads_an_oci_layout_directory_with_each_compression(string compression)
    {
        var layout = NewDir("layout");
        var manifest = Layouts.WriteOci(layout, "localhost/app:" + compression, [Base(compression)]);

        var record = Assert.Single(_store.Load(layout));

        Assert.Equal("localhost/app:" + compression, record.Reference);
        Assert.Equal(manifest, record.ManifestDigest);
        Assert.Equal(["sh"], record.Config.Cmd!);
        Assert.Equal(["PATH=/bin", "A=b"], record.Config.Env);
        Assert.Equal("/w", record.Config.WorkingDir);
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero), record.Created);
        var fs = Assert.Single(_store.LayerPaths(record));
        Assert.Equal(Path.Combine(_store.LayersRoot, record.LayerIds[0], "fs"), fs);
        Assert.Equal("v1", File.ReadAllText(Path.Combine(fs, "bin/app")));
        Assert.Equal("app", new FileInfo(Path.Combine(fs, "bin/sh")).LinkTarget);
        AssertSame(record, _store.Get("localhost/app:" + compression));
        Assert.True(File.Exists(Path.Combine(_dir["store"], "blobs/sha256", manifest[7..])));
    }

    [Fact]
    public void Loads_a_tar_of_a_layout_and_picks_this_platform_from_a_nested_index()
    {
        var layout = NewDir("layout");
        Layouts.WriteOci(layout, "localhost/multi:1", [Base()], multiPlatform: true);
        Tars.ArchiveDirectory(layout, _dir["layout.tar"]);

        var record = Assert.Single(_store.Load(_dir["layout.tar"]));

        Assert.Equal("localhost/multi:1", record.Reference);
        Assert.Empty(Directory.GetFileSystemEntries(_dir["store/tmp"]));
    }

    [Fact]
    public void Loads_a_docker_save_archive_with_repo_tags()
    {
        var save = _dir["save"];
        var layers = new[] { Base(), TestLayer.Of(new Tars().File("bin/app", "v2"), "tar") };
        var id = Layouts.WriteDockerSave(save, ["busybox:saved", "localhost/other:1"], layers);
        Tars.ArchiveDirectory(save, _dir["save.tar"]);

        var records = _store.Load(_dir["save.tar"]);

        Assert.Equal(["docker.io/library/busybox:saved", "localhost/other:1"], records.Select(r => r.Reference));
        Assert.All(records, r => Assert.Equal(id, r.Id));
        var paths = _store.LayerPaths(_store.Get("busybox:saved"));
        Assert.Equal(2, paths.Count);
        Assert.Equal("v2", File.ReadAllText(Path.Combine(paths[1], "bin/app")));
        Assert.Equal("v1", File.ReadAllText(Path.Combine(paths[0], "bin/app")));
    }

    [Fact]
    public void Docker_save_layer_that_does_not_match_its_diff_id_is_refused()
    {
        var save = _dir["save"];
        Layouts.WriteDockerSave(save, ["localhost/bad:1"], [Base()]);
        File.WriteAllBytes(Path.Combine(save, "v1-0", "layer.tar"), TestLayer.Of(new Tars().File("other")).Blob);

        var e = Assert.Throws<ImageException>(() => _store.Load(save));

        Assert.Contains("diff_id", e.Message);
        AssertStoreEmpty();
    }

    [Fact]
    public void A_blob_whose_content_does_not_match_its_digest_is_refused_and_named()
    {
        var layout = NewDir("layout");
        Layouts.WriteOci(layout, "localhost/app:1", [Base()]);
        var layerBlob = Path.Combine(layout, "blobs/sha256", Layouts.Sha(Base().Blob)[7..]);
        var tampered = File.ReadAllBytes(layerBlob);
        tampered[^1] ^= 0xff;
        File.WriteAllBytes(layerBlob, tampered);

        var e = Assert.Throws<ImageException>(() => _store.Load(layout));

        Assert.Contains("digest mismatch", e.Message);
        Assert.Contains(Layouts.Sha(Base().Blob), e.Message);
        AssertStoreEmpty();
    }

    [Fact]
    public void A_blob_that_is_not_a_regular_file_is_refused_without_being_read()
    {
        // A FIFO would block the load for ever; a symlink to /dev/zero would never end (issue 19).
        var layout = NewDir("layout");
        Layouts.WriteOci(layout, "localhost/app:1", [Base()]);
        var layerBlob = Path.Combine(layout, "blobs/sha256", Layouts.Sha(Base().Blob)[7..]);
        File.Delete(layerBlob);
        Sublet.Linux.Files.FileOps.Mknod(layerBlob, Sublet.Linux.Files.FileOps.S_IFIFO | 0x1a4, 0, 0);

        var e = Assert.Throws<ImageException>(() => _store.Load(layout));

        var blob = Layouts.Sha(Base().Blob);
        Assert.EndsWith($": layer {blob} \"blobs/sha256/{blob[7..]}\" is a FIFO, not a regular file", e.Message);
        AssertStoreEmpty();
    }

    [Fact]
    public void A_blob_longer_than_its_descriptor_says_is_refused_once_it_passes_that_size()
    {
        var layout = NewDir("layout");
        Layouts.WriteOci(layout, "localhost/app:1", [Base()]);
        var layerBlob = Path.Combine(layout, "blobs/sha256", Layouts.Sha(Base().Blob)[7..]);
        File.AppendAllText(layerBlob, "more"); // the copy stops there instead of reading on to the end

        var e = Assert.Throws<ImageException>(() => _store.Load(layout));

        Assert.Contains($"size mismatch: the content has more than the {Base().Blob.Length} bytes the descriptor says", e.Message);
        AssertStoreEmpty();
    }

    [Fact]
    public void A_bare_tag_as_the_layout_name_is_refused_with_advice()
    {
        var layout = NewDir("layout");
        Layouts.WriteOci(layout, "latest", [Base()]);

        var e = Assert.Throws<ImageException>(() => _store.Load(layout));

        Assert.Contains("localhost/NAME:latest", e.Message);
        AssertStoreEmpty();
    }

    [Fact]
    public void An_unnamed_image_is_found_by_id_prefix()
    {
        var layout = NewDir("layout");
        Layouts.WriteOci(layout, null, [Base()]);

        var record = Assert.Single(_store.Load(layout));

        Assert.Equal(record.Id, record.Reference);
        AssertSame(record, _store.Find(record.Id[7..19]));
        AssertSame(record, _store.Find(record.Id[..15]));
    }

    [Fact]
    public void Prune_removes_dangling_images_then_with_all_every_unused_one_with_what_only_they_held()
    {
        var top = TestLayer.Of(new Tars().File("top", "t"));
        var other = TestLayer.Of(new Tars().File("other", "o"));
        Layouts.WriteOci(NewDir("dangling"), null, [Base(), top], cmd: "top");
        Layouts.WriteOci(NewDir("named"), "localhost/named:1", [Base(), other], cmd: "other");
        Layouts.WriteOci(NewDir("used"), "localhost/used:1", [Base()]);
        var dangling = Assert.Single(_store.Load(_dir["dangling"]));
        var named = Assert.Single(_store.Load(_dir["named"]));
        var used = Assert.Single(_store.Load(_dir["used"]));
        bool Used(ImageRecord image) => image.Id == used.Id;

        var (removed, reclaimed) = _store.Prune(all: false, Used);

        Assert.Equal([dangling.Id], removed);
        Assert.True(reclaimed >= (ulong)top.Blob.Length, $"reclaimed {reclaimed}");
        Assert.False(Directory.Exists(_store.LayerPaths(dangling)[1]));
        Assert.True(Directory.Exists(_store.LayerPaths(used)[0])); // the shared base stays
        Assert.Equal(new[] { named.Id, used.Id }.Order(StringComparer.Ordinal), _store.List().Select(r => r.Id).Order(StringComparer.Ordinal));

        (removed, _) = _store.Prune(all: true, Used);

        Assert.Equal([named.Id], removed);
        AssertSame(used, _store.Find("localhost/used:1"));
        Assert.False(File.Exists(Path.Combine(_dir["store"], "blobs/sha256", Layouts.Sha(other.Blob)[7..])));
        Assert.Equal((0, 0UL), (_store.Prune(all: true, Used).Removed.Count, _store.Prune(all: true, Used).Reclaimed));
    }

    [Fact]
    public void Remove_keeps_layers_and_blobs_another_image_uses()
    {
        var shared = Base();
        var top = TestLayer.Of(new Tars().File("top", "t"));
        var one = NewDir("one");
        var two = NewDir("two");
        Layouts.WriteOci(one, "localhost/one:1", [shared]);
        Layouts.WriteOci(two, "localhost/two:1", [shared, top], cmd: "top");
        var first = Assert.Single(_store.Load(one));
        var second = Assert.Single(_store.Load(two));
        Assert.Equal(first.LayerIds[0], second.LayerIds[0]);

        _store.Remove("localhost/two:1");

        Assert.Null(_store.Find("localhost/two:1"));
        Assert.True(Directory.Exists(_store.LayerPaths(first)[0]));
        Assert.False(Directory.Exists(_store.LayerPaths(second)[1]));
        Assert.True(File.Exists(Path.Combine(_dir["store"], "blobs/sha256", Layouts.Sha(shared.Blob)[7..])));
        Assert.False(File.Exists(Path.Combine(_dir["store"], "blobs/sha256", Layouts.Sha(top.Blob)[7..])));
        Assert.False(File.Exists(Path.Combine(_dir["store"], "blobs/sha256", second.ManifestDigest[7..])));

        _store.Remove(first.Id[7..20]);
        AssertStoreEmpty();
    }

    [Fact]
    public void Remove_refuses_an_image_in_use_but_allows_untagging_it()
    {
        var layout = NewDir("used");
        Layouts.WriteOci(layout, "localhost/used:1", [Base()]);
        var record = Assert.Single(_store.Load(layout));
        Layouts.WriteOci(NewDir("used2"), "localhost/used:2", [Base()]);
        _store.Load(_dir["used2"]);
        IReadOnlyList<string> Users(ImageRecord image) => image.Id == record.Id ? ["container \"app\" of pod default/web"] : [];

        _store.Remove("localhost/used:2", Users); // another reference keeps the image: just an untag
        var e = Assert.Throws<ImageInUseException>(() => _store.Remove("localhost/used:1", Users));

        Assert.Equal($"image \"localhost/used:1\" ({record.Id}) is in use by container \"app\" of pod default/web", e.Message);
        Assert.NotNull(_store.Find("localhost/used:1"));
        Assert.True(Directory.Exists(_store.LayerPaths(record)[0]));
        Assert.Throws<ImageInUseException>(() => _store.Remove(record.Id, Users));
        _store.Remove(record.Id, _ => []);
        AssertStoreEmpty();
    }

    [Fact]
    public void Get_of_a_missing_image_says_how_to_load_it()
    {
        var e = Assert.Throws<ImageNotFoundException>(() => _store.Get("nothere"));
        Assert.Equal("image \"nothere\" is not in the store", e.Message);
        Assert.Throws<ImageNotFoundException>(() => _store.Remove("nothere"));
    }

    [Fact]
    public void Loading_a_name_again_moves_it_to_the_new_image()
    {
        var one = NewDir("one");
        var two = NewDir("two");
        Layouts.WriteOci(one, "localhost/app:1", [Base()]);
        Layouts.WriteOci(two, "localhost/app:1", [TestLayer.Of(new Tars().File("new"))]);
        var old = Assert.Single(_store.Load(one));

        var fresh = Assert.Single(_store.Load(two));

        AssertSame(fresh, Assert.Single(_store.List()));
        Assert.False(Directory.Exists(_store.LayerPaths(old)[0]));
    }

    [Fact]
    public void Concurrent_loads_of_the_same_image_from_two_stores_agree()
    {
        var layout = NewDir("layout");
        Layouts.WriteOci(layout, "localhost/app:1", [Base()]);
        var other = new ImageStore(_dir["store"]);

        Parallel.Invoke(() => _store.Load(layout), () => other.Load(layout), () => _store.Load(layout));

        Assert.Single(other.List());
        Assert.True(Directory.Exists(_store.LayerPaths(_store.Get("localhost/app:1"))[0]));
    }

    private static void AssertSame(ImageRecord expected, ImageRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal((expected.Reference, expected.Id, expected.ManifestDigest, expected.Size), (actual.Reference, actual.Id, actual.ManifestDigest, actual.Size));
        Assert.Equal(expected.LayerIds, actual.LayerIds);
    }

    private void AssertStoreEmpty() => StoreAssert.Empty(_store, _dir["store"]);
}
