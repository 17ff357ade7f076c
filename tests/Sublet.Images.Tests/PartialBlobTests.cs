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

    [Fact]
    public void A_blob_under_an_exclusive_flock_still_reads()
    {
        // A committed partial is locked until its download lets go, and a child forked meanwhile
        // holds a copy of the descriptor until it execs: readers must not take .NET's FileShare
        // flock (System.IO.DisableFileLocking in Directory.Build.props), or they fail as "used by
        // another process" (a clean-clone run failed so in PullTests).
        var digest = Layouts.Sha(_data);
        File.WriteAllBytes(_blobs.PathOf(digest), _data);
        using var held = Sublet.Linux.Files.FileOps.LockFile(_blobs.PathOf(digest), exclusive: true);
        Assert.Equal(_data, _blobs.Read(digest));
        using var stream = _blobs.Open(digest);
        Assert.Equal(_data.Length, stream.Length);
    }
}
