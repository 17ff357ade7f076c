using Sublet.IdMapping;
using Sublet.Runtime.Sandboxes;
using Sublet.Runtime.State;
using static Sublet.Runtime.Tests.Plans;

namespace Sublet.Runtime.Tests;

/// <summary>The runtime core's tables: reservations by name and attempt, ranges checked against every pod's in one transaction.</summary>
public sealed class SandboxStoreTests : IDisposable
{
    private readonly TestDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private StateStore Open() => new(_dir["state"]);

    private static SandboxEntry Sandbox(string id, string name, IdRange? ids = null, uint attempt = 0, Owner owner = Owner.Cri) => new()
    {
        Id = id,
        Config = new SandboxConfig { Name = name, Namespace = "default", Uid = "u-" + name, Hostname = name, Attempt = attempt, UserNamespace = ids, Owner = owner },
    };

    [Fact]
    public void A_sandbox_range_counts_as_an_allocation_so_the_pool_skips_it()
    {
        using var store = Open();
        store.CreateSandbox(Sandbox("s1", "cri", new IdRange(65536, 65536)));
        var allocator = new SlotAllocator(IdPool.Default(65536));

        var played = store.CreateSandbox(Sandbox(PodId(1), "played", owner: Owner.Play), allocator.Allocate);

        Assert.Equal(new IdRange(131072, 65536), played.Ids);
        Assert.Equal(["s1", PodId(1)], store.Allocations().Select(a => a.PodId));
        Assert.Equal("cri", store.Allocations()[0].PodName);
    }

    [Fact]
    public void An_overlapping_range_is_refused_naming_the_holder_and_nothing_is_recorded()
    {
        using var store = Open();
        store.CreateSandbox(Sandbox(PodId(1), "played", owner: Owner.Play), _ => new IdRange(200000, 65536));

        var error = Assert.Throws<RuntimeError>(() => store.CreateSandbox(Sandbox("s1", "cri", new IdRange(150000, 65536))));

        Assert.Equal(ErrorKind.FailedPrecondition, error.Kind);
        Assert.Contains("overlap pod default/played's 200000-265535", error.Message);
        Assert.Empty(store.Sandboxes(Owner.Cri));
    }

    [Fact]
    public void A_name_and_attempt_are_reserved_but_a_new_attempt_or_another_owner_is_free()
    {
        using var store = Open();
        store.CreateSandbox(Sandbox("s1", "web"));

        Assert.Equal(ErrorKind.AlreadyExists, Assert.Throws<RuntimeError>(() => store.CreateSandbox(Sandbox("s2", "web"))).Kind);
        store.CreateSandbox(Sandbox("s3", "web", attempt: 1));
        store.CreateSandbox(Sandbox("s4", "web", owner: Owner.Play));

        Assert.Equal(["s1", "s3"], store.Sandboxes(Owner.Cri).Select(s => s.Id));
        Assert.Equal("s4", Assert.Single(store.Sandboxes(Owner.Play)).Id);
    }

    [Fact]
    public void Containers_keep_their_config_and_go_with_their_sandbox()
    {
        using var store = Open();
        store.CreateSandbox(Sandbox("s1", "web", new IdRange(65536, 65536)));
        var config = new ContainerConfig { Name = "app", Image = "busybox", Command = ["sh"], Mounts = [new MountSpec("/data", "/srv", true, Sublet.Runtime.Sandboxes.MountPropagation.None, true)] };
        store.CreateContainer(new ContainerEntry { Id = "c1", SandboxId = "s1", Config = config, ImageId = "sha256:1", ImageRef = "busybox", LogPath = "/l/app.log" });
        Assert.Equal(ErrorKind.AlreadyExists, Assert.Throws<RuntimeError>(() =>
            store.CreateContainer(new ContainerEntry { Id = "c2", SandboxId = "s1", Config = config, ImageId = "sha256:1", ImageRef = "busybox", LogPath = "/l/x" })).Kind);

        var read = Assert.Single(store.SandboxContainers("s1"));
        Assert.Equal(config.Mounts, read.Config.Mounts);
        Assert.Equal(["sh"], read.Config.Command);
        store.UpdateContainer(read with { State = CtrState.Running, Pid = 42, Started = DateTimeOffset.UnixEpoch });
        Assert.Equal(42, store.FindContainer("c1")!.Pid);

        store.DeleteSandbox("s1");
        Assert.Empty(store.SandboxContainers());
        Assert.Empty(store.Allocations());
    }

    [Fact]
    public void Ids_are_found_by_prefix_for_one_owner_only_and_literally()
    {
        using var store = Open();
        store.CreateSandbox(Sandbox("ab12", "one"));
        store.CreateSandbox(Sandbox("ab34", "two"));
        store.CreateSandbox(Sandbox("ab56", "played", owner: Owner.Play));
        store.CreateSandbox(Sandbox("a%_x", "odd"));
        var config = new ContainerConfig { Name = "app", Image = "busybox" };
        store.CreateContainer(new ContainerEntry { Id = "cd12", SandboxId = "ab12", Config = config, ImageId = "sha256:1", ImageRef = "busybox", LogPath = "/l/1" });
        store.CreateContainer(new ContainerEntry { Id = "cd34", SandboxId = "ab56", Config = config, ImageId = "sha256:1", ImageRef = "busybox", LogPath = "/l/2" });

        Assert.Equal(["ab12", "ab34"], store.SandboxIds(Owner.Cri, "ab", 5));
        Assert.Equal(["ab12"], store.SandboxIds(Owner.Cri, "ab", 1));
        Assert.Equal(["ab34"], store.SandboxIds(Owner.Cri, "ab34", 2));
        Assert.Empty(store.SandboxIds(Owner.Cri, "ab5", 2)); // play's
        Assert.Empty(store.SandboxIds(Owner.Cri, "a_", 2)); // no LIKE wildcards
        Assert.Equal(["a%_x"], store.SandboxIds(Owner.Cri, "a%", 2));
        Assert.Equal(["cd12"], store.ContainerIds(Owner.Cri, "cd", 2));
        Assert.Equal(["cd34"], store.ContainerIds(Owner.Play, "cd", 2));
    }
}
