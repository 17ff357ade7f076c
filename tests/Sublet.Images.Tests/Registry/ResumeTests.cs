using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Sublet.Images.Registry;

namespace Sublet.Images.Tests.Registry;

/// <summary>
/// Issue 22 item 2: a blob download cut short is kept in <c>partial/</c> and resumed with
/// <c>Range: bytes=N-</c> (RFC 9110 §14.2), within one pull and by the next one; a 200 to a Range
/// request starts over; wrong kept bytes never reach the store.
/// </summary>
public sealed class ResumeTests : IDisposable
{
    private readonly TestDir _dir = new();
    private readonly FakeRegistry _registry = new();
    private readonly TestLayer _layer = TestLayer.Of(new Tars().Dir("etc").File("etc/big", Convert.ToBase64String(RandomNumberGenerator.GetBytes(300_000))));

    public void Dispose() => _dir.Dispose();

    private string LayerDigest => Layouts.Sha(_layer.Blob);

    private string PartialPath => _dir["store/partial/" + LayerDigest[7..]];

    private Task<ImageRecord> Pull() =>
        new ImageStore(_dir["store"]).PullAsync(FakeRegistry.Host + "/app:1", new PullOptions { Handler = _registry, Architecture = "amd64" });

    private List<string?> LayerRanges() => [.. _registry.BlobGets.Where(g => g.Digest == LayerDigest).Select(g => g.Range)];

    private void AssertLayerStored()
    {
        Assert.Equal(_layer.Blob, File.ReadAllBytes(_dir["store/blobs/sha256/" + LayerDigest[7..]]));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir["store/partial"]));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir["store/tmp"]));
    }

    /// <summary>What a killed pull leaves: some bytes under the layer's partial name.</summary>
    private void KeepPartial(byte[] bytes)
    {
        new ImageStore(_dir["store"]); // makes the layout
        File.WriteAllBytes(PartialPath, bytes);
    }

    [Fact]
    public async Task A_connection_that_breaks_mid_blob_is_resumed_with_Range_within_the_pull()
    {
        _registry.PutImage("app", "1", [_layer]);
        var cut = _layer.Blob.Length / 2;
        _registry.CutAt[LayerDigest] = cut;

        await Pull();

        Assert.Equal([null, $"bytes={cut}-"], LayerRanges());
        AssertLayerStored();
    }

    [Fact]
    public async Task The_next_pull_resumes_what_a_killed_one_kept_and_downloads_only_the_rest()
    {
        _registry.PutImage("app", "1", [_layer]);
        var kept = _layer.Blob.Length / 3;
        KeepPartial(_layer.Blob[..kept]);
        var config = Layouts.Config([_layer]).Length;

        await Pull();

        Assert.Equal([$"bytes={kept}-"], LayerRanges());
        Assert.Equal(config + _layer.Blob.Length - kept, _registry.BlobBytesServed); // the config and the layer's rest
        AssertLayerStored();
    }

    [Fact]
    public async Task A_200_answer_to_a_Range_request_starts_the_blob_over()
    {
        _registry.PutImage("app", "1", [_layer]);
        KeepPartial(_layer.Blob[..1000]);
        _registry.IgnoreRange = true;

        await Pull();

        Assert.Equal(["bytes=1000-"], LayerRanges());
        AssertLayerStored();
    }

    [Fact]
    public async Task Wrong_kept_bytes_are_dropped_and_the_blob_downloaded_again_from_zero()
    {
        _registry.PutImage("app", "1", [_layer]);
        var garbage = _layer.Blob[..5000];
        garbage[100] ^= 0xff;
        KeepPartial(garbage);

        await Pull();

        Assert.Equal(["bytes=5000-", null], LayerRanges());
        AssertLayerStored();
    }

    [Fact]
    public async Task Kept_bytes_longer_than_the_blob_are_not_a_prefix_and_are_dropped()
    {
        _registry.PutImage("app", "1", [_layer]);
        KeepPartial([.. _layer.Blob, 1, 2, 3]);

        await Pull();

        Assert.Equal([null], LayerRanges());
        AssertLayerStored();
    }

    [Fact]
    public async Task A_blob_the_registry_serves_wrong_is_refused_and_leaves_no_partial()
    {
        _registry.PutImage("app", "1", [_layer]);
        var bad = _layer.Blob.ToArray();
        bad[^10] ^= 0xff;
        _registry.Corrupt(LayerDigest, bad);
        KeepPartial(bad[..2000]);

        var e = await Assert.ThrowsAsync<RegistryException>(Pull);

        Assert.Contains($"layer {LayerDigest}: digest mismatch", e.Message);
        Assert.Equal(["bytes=2000-", null], LayerRanges()); // the kept bytes were suspected first
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir["store/partial"]));
        Assert.Empty(Directory.EnumerateFiles(_dir["store/blobs/sha256"]));
    }

    [Fact]
    public async Task A_manifest_naming_one_layer_twice_downloads_it_once()
    {
        var manifest = _registry.PutImage("app", "1", [_layer, _layer]);

        var record = await Pull();

        Assert.Equal(manifest, record.ManifestDigest);
        Assert.Single(LayerRanges());
        AssertLayerStored();
    }

    [Fact]
    public async Task Prune_removes_kept_partials()
    {
        KeepPartial(_layer.Blob[..1000]);
        var (_, reclaimed) = new ImageStore(_dir["store"]).Prune(all: true, _ => false);
        Assert.Equal(1000UL, reclaimed);
        Assert.False(File.Exists(PartialPath));
    }

    [Theory]
    [InlineData(0, HttpStatusCode.OK, null, "Append")]
    [InlineData(500, HttpStatusCode.OK, null, "StartOver")]
    [InlineData(500, HttpStatusCode.PartialContent, "bytes 500-999/1000", "Append")]
    [InlineData(500, HttpStatusCode.PartialContent, "bytes 500-999/*", "Append")]
    [InlineData(500, HttpStatusCode.PartialContent, "bytes 400-999/1000", "RequestWhole")]
    [InlineData(500, HttpStatusCode.PartialContent, null, "RequestWhole")]
    [InlineData(500, HttpStatusCode.PartialContent, "bytes 500-1199/1200", "Fail")]
    [InlineData(500, HttpStatusCode.RequestedRangeNotSatisfiable, "bytes */400", "RequestWhole")]
    [InlineData(0, HttpStatusCode.RequestedRangeNotSatisfiable, null, "Fail")]
    [InlineData(500, HttpStatusCode.NotFound, null, "Fail")]
    public void The_answer_to_a_range_request_decides_how_to_go_on(long offset, HttpStatusCode status, string? contentRange, string expected) =>
        Assert.Equal(expected, RangeResume.Decide(offset, 1000, status, contentRange is null ? null : ContentRangeHeaderValue.Parse(contentRange)).ToString());

    [Fact]
    public void A_Range_header_is_sent_only_when_bytes_are_kept()
    {
        Assert.Null(RangeResume.RequestFor(0));
        Assert.Equal("bytes=4096-", RangeResume.RequestFor(4096)!.ToString());
    }
}
