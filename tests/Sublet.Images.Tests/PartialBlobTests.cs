namespace Sublet.Images.Tests;

/// <summary>
/// <see cref="PartialBlob"/>'s flock hand-over (issue 22: one download when several want one
/// blob): a second opener waits for the holder, and when the holder committed (renamed the file
/// into <c>blobs/</c>) it gets a fresh partial, not a lock on the committed blob.
/// </summary>
public sealed class PartialBlobTests : IDisposable
{
    private readonly TestDir _dir = new();
    private readonly BlobStore _blobs;
    private readonly byte[] _data = System.Text.Encoding.UTF8.GetBytes("the blob's bytes");

    public PartialBlobTests()
    {
        foreach (var d in new[] { "blobs", "tmp", "partial" }) Directory.CreateDirectory(_dir[d]);
        _blobs = new BlobStore(_dir["blobs"], _dir["tmp"], _dir["partial"]);
    }

    public void Dispose() => _dir.Dispose();

    private Task<PartialBlob> Open() => _blobs.OpenPartialAsync(Layouts.Sha(_data), _data.Length, "layer", CancellationToken.None);

    [Fact]
    public async Task A_second_opener_waits_for_the_holder_and_then_finds_the_blob_committed()
    {
        var digest = Layouts.Sha(_data);
        var first = await Open();
        await first.AppendAsync(new MemoryStream(_data[..5]), CancellationToken.None);
        var second = Task.Run(Open);
        await Task.Delay(300);
        Assert.False(second.IsCompleted); // blocked on the flock

        await first.AppendAsync(new MemoryStream(_data[5..]), CancellationToken.None);
        _blobs.Commit(first);
        first.Dispose();

        using var next = await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(_blobs.Contains(digest));
        Assert.Equal(_data, File.ReadAllBytes(_blobs.PathOf(digest)));
        Assert.Equal(0, next.Length); // a new file at the partial's path, not the committed inode
        next.Delete();
        Assert.Empty(Directory.EnumerateFiles(_dir["partial"]));
    }

    [Fact]
    public async Task A_second_opener_after_a_holder_that_failed_goes_on_from_its_bytes()
    {
        using (var first = await Open())
        {
            await first.AppendAsync(new MemoryStream(_data[..7]), CancellationToken.None);
        }
        using var next = await Open();
        Assert.Equal(7, next.Length);
        await next.AppendAsync(new MemoryStream(_data[7..]), CancellationToken.None);
        _blobs.Commit(next);
        Assert.Equal(_data, File.ReadAllBytes(_blobs.PathOf(Layouts.Sha(_data))));
    }
}
