using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;

namespace Sublet.Runtime.Tests;

public sealed class PodLockTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sublet-podlock-").FullName;

    private PodPaths Paths()
    {
        var paths = new PodPaths(Path.Combine(_root, "run"), Path.Combine(_root, "state"), "pod1");
        Directory.CreateDirectory(paths.StateDir);
        return paths;
    }

    [Fact]
    public void A_sync_takes_the_lock_while_no_removal_is_under_way()
    {
        var paths = Paths();
        using (var held = PodLock.ForSync(paths))
        {
            Assert.NotNull(held);
        }
        using var again = PodLock.ForSync(paths);
        Assert.NotNull(again);
    }

    [Fact]
    public void A_sync_gives_up_once_removal_has_begun_even_while_removal_holds_the_lock()
    {
        var paths = Paths();
        using var removal = PodLock.ForRemoval(paths, TimeSpan.FromSeconds(1));
        Assert.NotNull(removal);
        Assert.Null(PodLock.ForSync(paths)); // returns at once instead of waiting for the remover
    }

    [Fact]
    public void Removal_waits_for_a_sync_under_way_and_goes_on_when_it_is_stuck()
    {
        var paths = Paths();
        using var sync = PodLock.ForSync(paths);
        Assert.Null(PodLock.ForRemoval(paths, TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void A_pod_without_a_state_directory_has_nothing_to_lock()
    {
        var paths = new PodPaths(Path.Combine(_root, "run"), Path.Combine(_root, "state"), "gone");
        Assert.Null(PodLock.ForSync(paths));
        Assert.Null(PodLock.ForRemoval(paths, TimeSpan.Zero));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
