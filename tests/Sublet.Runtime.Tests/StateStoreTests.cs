using Sublet.IdMapping;
using Sublet.Runtime.State;
using static Sublet.Runtime.Tests.Plans;

namespace Sublet.Runtime.Tests;

public sealed class StateStoreTests : IDisposable
{
    private readonly TestDir _dir = new();
    private readonly SlotAllocator _allocator = new(IdPool.Default(65536));

    public void Dispose() => _dir.Dispose();

    private StateStore Open() => new(_dir["state"]);

    private static PodRecord Pod(int seed, string name, string ns = "default") => new()
    {
        Id = PodId(seed), Name = name, Namespace = ns, Uid = $"uid-{seed}", PlanJson = "{}", State = PodState.Creating,
    };

    [Fact]
    public void CreatePod_with_an_allocator_records_the_range_it_returns()
    {
        using var store = Open();
        IReadOnlyList<IdRange>? seen = null;
        var created = store.CreatePod(Pod(1, "web"), inUse => { seen = inUse; return _allocator.Allocate(inUse); });

        Assert.Empty(seen!);
        Assert.Equal(new IdRange(65536, 65536), created.Ids);
        var allocation = Assert.Single(store.Allocations());
        Assert.Equal((PodId(1), "web", "default", new IdRange(65536, 65536)), (allocation.PodId, allocation.PodName, allocation.PodNamespace, allocation.Range));
        Assert.Equal(created.Ids, store.FindPod("web")!.Ids);
    }

    [Fact]
    public void The_allocator_sees_every_range_in_use()
    {
        using var store = Open();
        store.CreatePod(Pod(1, "a"), _allocator.Allocate);
        store.CreatePod(Pod(2, "b"), _allocator.Allocate);
        IReadOnlyList<IdRange>? seen = null;
        store.CreatePod(Pod(3, "c"), inUse => { seen = inUse; return _allocator.Allocate(inUse); });

        Assert.Equal([new IdRange(65536, 65536), new IdRange(131072, 65536)], seen!);
    }

    [Fact]
    public void CreatePod_without_an_allocator_records_no_range()
    {
        using var store = Open();
        Assert.Null(store.CreatePod(Pod(1, "host"), null).Ids);
        Assert.Empty(store.Allocations());
        Assert.Null(store.FindPod("host")!.Ids);
    }

    [Fact]
    public void Duplicate_namespace_and_name_is_a_conflict_naming_the_pod_and_allocates_nothing()
    {
        using var store = Open();
        store.CreatePod(Pod(1, "web"), _allocator.Allocate);
        var calls = 0;

        var e = Assert.Throws<StateConflictException>(() => store.CreatePod(Pod(2, "web"), inUse => { calls++; return _allocator.Allocate(inUse); }));

        Assert.Contains("\"default/web\"", e.Message);
        Assert.Contains("sublet down web", e.Message);
        Assert.Equal(0, calls);
        Assert.Single(store.Allocations());
        Assert.Single(store.Pods());
    }

    [Fact]
    public void The_same_name_in_another_namespace_is_fine()
    {
        using var store = Open();
        store.CreatePod(Pod(1, "web", "a"), null);
        store.CreatePod(Pod(2, "web", "b"), null);
        Assert.Equal(2, store.Pods().Count);
    }

    [Fact]
    public void A_failing_allocator_leaves_no_pod()
    {
        using var store = Open();
        Assert.Throws<InvalidOperationException>(() => store.CreatePod(Pod(1, "web"), _ => throw new InvalidOperationException("exhausted")));
        Assert.Empty(store.Pods());
        store.CreatePod(Pod(1, "web"), null); // the name is free again
    }

    [Fact]
    public void DeletePod_releases_the_range_and_the_containers()
    {
        using var store = Open();
        var first = store.CreatePod(Pod(1, "a"), _allocator.Allocate);
        store.CreatePod(Pod(2, "b"), _allocator.Allocate);
        store.SaveContainer(new ContainerRecord { Id = PodId(1) + "-app", PodId = PodId(1), Name = "app", Image = "img" }, 0);

        store.DeletePod(PodId(1));

        Assert.Equal(["b"], store.Allocations().Select(a => a.PodName));
        Assert.Empty(store.Containers(PodId(1)));
        Assert.Null(store.FindPod("a"));
        // The freed slot is the lowest again, so the next pod gets it back.
        Assert.Equal(first.Ids, store.CreatePod(Pod(3, "c"), _allocator.Allocate).Ids);
    }

    [Fact]
    public void FindPod_by_name_namespace_and_name_full_id_and_id_prefix()
    {
        using var store = Open();
        store.CreatePod(Pod(1, "web", "prod"), null);
        store.CreatePod(Pod(0x2000, "db", "prod"), null);

        Assert.Equal(PodId(1), store.FindPod("web")!.Id);
        Assert.Equal(PodId(1), store.FindPod("prod/web")!.Id);
        Assert.Null(store.FindPod("other/web"));
        Assert.Equal(PodId(1), store.FindPod(PodId(1))!.Id);
        Assert.Equal(PodId(0x2000), store.FindPod(PodId(0x2000)[..30])!.Id); // "aa…aa000020": unique prefix
        Assert.Null(store.FindPod(PodId(1)[..28])); // "aa…aa0000": prefix of both
        Assert.Null(store.FindPod("aaaa")); // prefix shared by both
        Assert.Null(store.FindPod("aaa")); // too short to be an id
        Assert.Null(store.FindPod("nope"));
    }

    [Fact]
    public void FindPod_by_a_name_used_in_two_namespaces_asks_which()
    {
        using var store = Open();
        store.CreatePod(Pod(1, "web", "a"), null);
        store.CreatePod(Pod(2, "web", "b"), null);

        var e = Assert.Throws<StateConflictException>(() => store.FindPod("web"));
        Assert.Contains("a, b", e.Message);
        Assert.Contains("NAMESPACE/web", e.Message);
        Assert.Equal(PodId(2), store.FindPod("b/web")!.Id);
    }

    [Fact]
    public void UpdatePod_and_SaveContainer_round_trip()
    {
        using var store = Open();
        var pod = store.CreatePod(Pod(1, "web"), null);
        store.UpdatePod(pod with { State = PodState.Running, PausePid = 42, PauseStartTime = 123456789UL, Reason = "ok" });
        var started = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var container = new ContainerRecord
        {
            Id = PodId(1) + "-app", PodId = PodId(1), Name = "app", Image = "img", ImageId = "sha256:x",
            State = ContainerState.Exited, Pid = 7, Started = started, Finished = started.AddSeconds(3), ExitCode = 2, Reason = "Error",
            Message = "disk full", LastMessage = "earlier",
        };
        store.SaveContainer(container, 0);
        store.SaveContainer(container with { RestartCount = 1 }, 0); // an update, not a second row

        var back = store.FindPod("web")!;
        Assert.Equal((PodState.Running, 42, 123456789UL, "ok"), (back.State, back.PausePid, back.PauseStartTime, back.Reason));
        Assert.Equal(container with { RestartCount = 1 }, Assert.Single(store.Containers(PodId(1))));
    }

    [Fact]
    public void A_new_store_on_the_same_directory_sees_the_same_allocations()
    {
        using (var store = Open())
        {
            store.CreatePod(Pod(1, "a"), _allocator.Allocate);
            store.CreatePod(Pod(2, "b"), _allocator.Allocate);
        }

        using var again = Open();
        Assert.Equal([(PodId(1), new IdRange(65536, 65536)), (PodId(2), new IdRange(131072, 65536))],
            again.Allocations().Select(a => (a.PodId, a.Range)));
        Assert.Equal(new IdRange(196608, 65536), again.CreatePod(Pod(3, "c"), _allocator.Allocate).Ids);
    }

    [Fact]
    public void Ten_stores_creating_pods_at_once_get_disjoint_ranges()
    {
        const int count = 10;
        using var start = new Barrier(count);
        var results = new IdRange?[count];
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            try
            {
                using var store = Open();
                start.SignalAndWait();
                results[i] = store.CreatePod(Pod(i, $"pod-{i}"), _allocator.Allocate).Ids;
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        })).ToList();
        foreach (var t in threads)
        {
            t.Start();
        }
        foreach (var t in threads)
        {
            t.Join();
        }

        Assert.Empty(failures);
        var ranges = results.Select(r => r!.Value).ToList();
        for (var a = 0; a < count; a++)
        {
            for (var b = a + 1; b < count; b++)
            {
                Assert.False(ranges[a].Overlaps(ranges[b]), $"{ranges[a]} overlaps {ranges[b]}");
            }
        }
        // The pool's ten lowest slots, each exactly once.
        Assert.Equal(Enumerable.Range(1, count).Select(i => (uint)(i * 65536)), ranges.Select(r => r.Start).Order());
        using var store = Open();
        Assert.Equal(ranges.OrderBy(r => r.Start), store.Allocations().Select(a => a.Range));
    }
}
