using Sublet.IdMapping;
using Sublet.Runtime.Sandboxes;
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

    /// <summary>What PodStarter records: the pod, then its sandbox under the same ID with the range <paramref name="allocate"/> chooses.</summary>
    private static PodRecord Played(StateStore store, PodRecord pod, Func<IReadOnlyList<IdRange>, IdRange>? allocate)
    {
        store.CreatePod(pod);
        store.CreateSandbox(new SandboxEntry
        {
            Id = pod.Id,
            Config = new SandboxConfig { Name = pod.Name, Namespace = pod.Namespace, Uid = pod.Uid, Hostname = pod.Name, Owner = Owner.Play },
        }, allocate);
        return store.FindPodById(pod.Id)!;
    }

    private static void Remove(StateStore store, string id)
    {
        store.DeleteSandbox(id);
        store.DeletePod(id);
    }

    [Fact]
    public void A_play_pod_has_the_range_allocated_to_its_sandbox()
    {
        using var store = Open();
        IReadOnlyList<IdRange>? seen = null;
        var created = Played(store, Pod(1, "web"), inUse => { seen = inUse; return _allocator.Allocate(inUse); });

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
        Played(store, Pod(1, "a"), _allocator.Allocate);
        Played(store, Pod(2, "b"), _allocator.Allocate);
        IReadOnlyList<IdRange>? seen = null;
        Played(store, Pod(3, "c"), inUse => { seen = inUse; return _allocator.Allocate(inUse); });

        Assert.Equal([new IdRange(65536, 65536), new IdRange(131072, 65536)], seen!);
    }

    [Fact]
    public void A_play_pod_without_an_allocator_has_no_range()
    {
        using var store = Open();
        Assert.Null(Played(store, Pod(1, "host"), null).Ids);
        Assert.Empty(store.Allocations());
        Assert.Null(store.FindPod("host")!.Ids);
    }

    [Fact]
    public void Duplicate_namespace_and_name_is_a_conflict_naming_the_pod_before_anything_is_allocated()
    {
        using var store = Open();
        Played(store, Pod(1, "web"), _allocator.Allocate);
        var calls = 0;

        var e = Assert.Throws<StateConflictException>(() => Played(store, Pod(2, "web"), inUse => { calls++; return _allocator.Allocate(inUse); }));

        Assert.Contains("\"default/web\"", e.Message);
        // The pod in the way is named for the front end to say how to remove it; the store names no command.
        Assert.Equal("web", e.ExistingPod);
        Assert.DoesNotContain("sublet", e.Message);
        Assert.Equal(0, calls);
        Assert.Single(store.Allocations());
        Assert.Single(store.Pods());
    }

    [Fact]
    public void The_same_name_in_another_namespace_is_fine()
    {
        using var store = Open();
        Played(store, Pod(1, "web", "a"), null);
        Played(store, Pod(2, "web", "b"), null);
        Assert.Equal(2, store.Pods().Count);
    }

    [Fact]
    public void A_pod_recorded_before_play_ran_on_the_core_keeps_its_range_from_id_allocations()
    {
        using (var store = Open())
        {
            Played(store, Pod(2, "new"), _allocator.Allocate);
        }
        // As an older sublet wrote a pod: its row in pods and its range in id_allocations, no sandbox.
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_dir["state"]}/state.db"))
        {
            db.Open();
            using var insert = db.CreateCommand();
            insert.CommandText = $$"""
                INSERT INTO pods(id, name, namespace, uid, plan, state, created, pause_pid) VALUES ('{{PodId(1)}}', 'old', 'default', 'u', '{}', 'Running', '2026-01-01T00:00:00.0000000Z', 77);
                INSERT INTO id_allocations(pod_id, start, length, created) VALUES ('{{PodId(1)}}', 131072, 65536, '2026-01-01T00:00:00.0000000Z');
                """;
            insert.ExecuteNonQuery();
        }

        using var again = Open();
        var old = again.FindPod("old")!;
        Assert.Equal((new IdRange(131072, 65536), 77), (old.Ids, old.PausePid));
        Assert.Equal(new IdRange(65536, 65536), again.FindPod("new")!.Ids);
        Assert.Equal(["new", "old"], again.Allocations().Select(a => a.PodName));
        Assert.Equal(new IdRange(196608, 65536), Played(again, Pod(3, "c"), _allocator.Allocate).Ids);
        again.DeletePod(PodId(1));
        Assert.Equal(["new", "c"], again.Allocations().Select(a => a.PodName));
    }

    [Fact]
    public void A_failing_allocator_leaves_no_sandbox()
    {
        using var store = Open();
        Assert.Throws<InvalidOperationException>(() => Played(store, Pod(1, "web"), _ => throw new InvalidOperationException("exhausted")));
        Assert.Empty(store.Sandboxes());
        Assert.Empty(store.Allocations());
        store.DeletePod(PodId(1)); // as PodStarter's clean-up does
        Played(store, Pod(1, "web"), null); // the name is free again
    }

    [Fact]
    public void Removing_the_sandbox_and_pod_releases_the_range_and_the_containers()
    {
        using var store = Open();
        var first = Played(store, Pod(1, "a"), _allocator.Allocate);
        Played(store, Pod(2, "b"), _allocator.Allocate);
        store.SaveContainer(new ContainerRecord { Id = PodId(1) + "-app", PodId = PodId(1), Name = "app", Image = "img" }, 0);

        Remove(store, PodId(1));

        Assert.Equal(["b"], store.Allocations().Select(a => a.PodName));
        Assert.Empty(store.Containers(PodId(1)));
        Assert.Null(store.FindPod("a"));
        // The freed slot is the lowest again, so the next pod gets it back.
        Assert.Equal(first.Ids, Played(store, Pod(3, "c"), _allocator.Allocate).Ids);
    }

    [Fact]
    public void FindPod_by_name_namespace_and_name_full_id_and_id_prefix()
    {
        using var store = Open();
        Played(store, Pod(1, "web", "prod"), null);
        Played(store, Pod(0x2000, "db", "prod"), null);

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
        Played(store, Pod(1, "web", "a"), null);
        Played(store, Pod(2, "web", "b"), null);

        var e = Assert.Throws<StateConflictException>(() => store.FindPod("web"));
        Assert.Contains("a, b", e.Message);
        Assert.Contains("NAMESPACE/web", e.Message);
        Assert.Equal(PodId(2), store.FindPod("b/web")!.Id);
    }

    [Fact]
    public void UpdatePod_and_SaveContainer_round_trip()
    {
        using var store = Open();
        var pod = Played(store, Pod(1, "web"), null);
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
    public void A_containers_next_attempt_takes_its_names_row_under_a_new_id()
    {
        using var store = Open();
        Played(store, Pod(1, "web"), null);
        var first = new ContainerRecord { Id = "a1", PodId = PodId(1), Name = "app", Image = "img", State = ContainerState.Exited, ExitCode = 1 };
        store.SaveContainer(first, 0);
        store.SaveContainer(new ContainerRecord { Id = "b2", PodId = PodId(1), Name = "side", Image = "img" }, 1);
        var second = first with { Id = "a2", State = ContainerState.Running, ExitCode = null, RestartCount = 1, LastExitCode = 1 };
        store.SaveContainer(second, 0);

        Assert.Equal([second, new ContainerRecord { Id = "b2", PodId = PodId(1), Name = "side", Image = "img" }], store.Containers(PodId(1)));
        Assert.Equal(PodId(1), store.PodOfContainer("a2"));
        Assert.Null(store.PodOfContainer("a1"));
    }

    [Fact]
    public void A_new_store_on_the_same_directory_sees_the_same_allocations()
    {
        using (var store = Open())
        {
            Played(store, Pod(1, "a"), _allocator.Allocate);
            Played(store, Pod(2, "b"), _allocator.Allocate);
        }

        using var again = Open();
        Assert.Equal([(PodId(1), new IdRange(65536, 65536)), (PodId(2), new IdRange(131072, 65536))],
            again.Allocations().Select(a => (a.PodId, a.Range)));
        Assert.Equal(new IdRange(196608, 65536), Played(again, Pod(3, "c"), _allocator.Allocate).Ids);
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
                results[i] = Played(store, Pod(i, $"pod-{i}"), _allocator.Allocate).Ids;
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

    [Fact]
    public void A_borrowed_handle_shares_the_connection_and_leaves_it_open()
    {
        using var store = Open();
        using (var borrowed = store.Borrow())
        {
            Played(borrowed, Pod(1, "web"), _allocator.Allocate);
        }

        Assert.Equal("web", Assert.Single(store.Pods()).Name);
    }
}
