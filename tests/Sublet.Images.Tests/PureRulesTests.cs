namespace Sublet.Images.Tests;

/// <summary>Path, whiteout, reference and lookup rules: no file system, no root.</summary>
public sealed class PureRulesTests
{
    [Theory]
    [InlineData("a/b", "a/b")]
    [InlineData("./a/b/", "a/b")]
    [InlineData("a//./b", "a/b")]
    [InlineData("a/../b", "b")]
    [InlineData("./", "")]
    [InlineData(".", "")]
    public void Clean_keeps_names_inside_the_layer(string name, string expected) =>
        Assert.Equal(expected, string.Join('/', LayerPath.Clean(name)!));

    [Theory]
    [InlineData("../evil")]
    [InlineData("a/../../evil")]
    [InlineData("./../evil")]
    [InlineData("/etc/evil")]
    [InlineData("//etc/evil")]
    [InlineData("a/\0b")]
    public void Clean_refuses_names_that_leave_the_layer(string name) => Assert.Null(LayerPath.Clean(name));

    [Fact]
    public void Clean_refuses_a_huge_climb()
    {
        var name = string.Concat(Enumerable.Repeat("../", 10000)) + "etc/evil";
        Assert.Null(LayerPath.Clean(name));
    }

    [Theory]
    [InlineData("a/b", "None", "a/b")]
    [InlineData("a/.wh.b", "Whiteout", "a/b")]
    [InlineData(".wh.b", "Whiteout", "b")]
    [InlineData("a/.wh..wh..opq", "Opaque", "a")]
    [InlineData(".wh..wh..opq", "Opaque", "")]
    [InlineData("a/.wh..wh.plnk", "Reserved", "a/.wh..wh.plnk")]
    [InlineData("a/.wh..b", "Whiteout", "a/.b")]
    public void Whiteouts_map_to_their_targets(string name, string kind, string target)
    {
        Assert.Equal(Enum.Parse<WhiteoutKind>(kind), Whiteout.Classify(LayerPath.Clean(name)!, out var t));
        Assert.Equal(target, string.Join('/', t));
    }

    [Theory]
    [InlineData("a/.wh...")]
    [InlineData("a/.wh..")]
    [InlineData(".wh.")]
    public void Whiteouts_of_dot_or_dotdot_are_refused(string name) =>
        Assert.Null(Whiteout.Classify(LayerPath.Clean(name)!, out _));

    [Theory]
    [InlineData("busybox", "docker.io/library/busybox:latest")]
    [InlineData("busybox:1.36", "docker.io/library/busybox:1.36")]
    [InlineData("library/busybox", "docker.io/library/busybox:latest")]
    [InlineData("docker.io/busybox", "docker.io/library/busybox:latest")]
    [InlineData("user/app:v1", "docker.io/user/app:v1")]
    [InlineData("localhost/busybox:demo", "localhost/busybox:demo")]
    [InlineData("localhost:5000/a/b", "localhost:5000/a/b:latest")]
    [InlineData("quay.io/x/y:z", "quay.io/x/y:z")]
    [InlineData("busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "docker.io/library/busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void References_normalize_like_docker(string reference, string expected) =>
        Assert.Equal(expected, ImageReference.Normalize(reference));

    [Theory]
    [InlineData("Busybox")]
    [InlineData("busybox:")]
    [InlineData("busybox@sha256:short")]
    [InlineData("a//b")]
    [InlineData("")]
    public void Bad_references_are_errors_naming_them(string reference)
    {
        var e = Assert.Throws<InvalidImageReferenceException>(() => ImageReference.Normalize(reference)); // InvalidArgument over CRI
        Assert.Contains($"\"{reference}\"", e.Message);
    }

    [Fact]
    public void ChainIds_follow_the_image_spec()
    {
        var a = Layouts.Sha([1]);
        var b = Layouts.Sha([2]);
        var chain = Digest.ChainIds([a, b]);
        Assert.Equal(a, chain[0]);
        Assert.Equal(Layouts.Sha(System.Text.Encoding.ASCII.GetBytes(a + " " + b)), chain[1]);
    }

    private static ImageRecord Record(string reference, string id, string manifest = "sha256:m") =>
        new(reference, id, manifest, [], 0, DateTimeOffset.UnixEpoch, new ImageConfig([], null, null, null, null, null));

    [Fact]
    public void Lookup_by_name_digest_id_and_unique_prefix()
    {
        var idA = "sha256:aaaa" + new string('1', 60);
        var idB = "sha256:aabb" + new string('2', 60);
        var manifest = "sha256:" + new string('c', 64);
        IReadOnlyList<ImageRecord> records = [Record("docker.io/library/busybox:latest", idA, manifest), Record("localhost/x:1", idB)];

        Assert.Equal(idA, ImageLookup.Find(records, "busybox", out var byId)!.Id);
        Assert.False(byId);
        Assert.Equal(idA, ImageLookup.Find(records, "busybox@" + manifest, out _)!.Id);
        Assert.Equal(idB, ImageLookup.Find(records, "aab", out byId)!.Id);
        Assert.True(byId);
        Assert.Equal(idB, ImageLookup.Find(records, idB, out _)!.Id);
        Assert.Null(ImageLookup.Find(records, "ff", out _));
        Assert.Null(ImageLookup.Find(records, "localhost/x:2", out _));
        Assert.Contains("ambiguous", Assert.Throws<ImageException>(() => ImageLookup.Find(records, "aa", out _)).Message);
    }

    [Theory]
    [InlineData("blobs/sha256/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.json", true)]
    [InlineData("0123456789abcdef/layer.tar", false)]
    public void Docker_save_names_that_are_digests_are_recognised(string name, bool isDigest) =>
        Assert.Equal(isDigest, DockerArchiveImporter.DigestFromName(name) is not null);
}
