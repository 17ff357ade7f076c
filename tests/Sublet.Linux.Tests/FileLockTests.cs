using Sublet.Linux.Files;

namespace Sublet.Linux.Tests;

/// <summary>flock(2) through TryLockFile: shared holders side by side, an exclusive one alone (no root needed).</summary>
public sealed class FileLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sublet-filelock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Lock => Path.Combine(_dir, "core.lock");

    [Fact]
    public void Shared_holders_lock_side_by_side()
    {
        using var first = FileOps.TryLockFile(Lock, TimeSpan.Zero, shared: true);
        using var second = FileOps.TryLockFile(Lock, TimeSpan.Zero, shared: true);

        Assert.NotNull(first);
        Assert.NotNull(second);
    }

    [Fact]
    public void An_exclusive_holder_waits_for_shared_ones_and_they_for_it()
    {
        using (var shared = FileOps.TryLockFile(Lock, TimeSpan.Zero, shared: true))
        {
            Assert.NotNull(shared);
            Assert.Null(FileOps.TryLockFile(Lock, TimeSpan.FromMilliseconds(50)));
        }
        using var exclusive = FileOps.TryLockFile(Lock, TimeSpan.Zero);
        Assert.NotNull(exclusive);
        Assert.Null(FileOps.TryLockFile(Lock, TimeSpan.FromMilliseconds(50), shared: true));
    }
}
