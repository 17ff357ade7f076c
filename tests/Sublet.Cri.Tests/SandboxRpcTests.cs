using Sublet.Cri.Api;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;
using ContainerConfig = Sublet.Cri.Api.ContainerConfig;
using MountSpec = Sublet.Runtime.Sandboxes.MountSpec;

namespace Sublet.Cri.Tests;

/// <summary>The sandbox and container RPCs map requests onto the runtime core thinly, and refuse what can't work before calling it.</summary>
public sealed class SandboxRpcTests
{
    private readonly FakeCallContext _call = new();
    private readonly FakeSandboxRuntime _core = new();

    private Runtime.CriRuntimeService Service => Services.Runtime(UserNamespaceSupport.Yes, _core);

    private static PodSandboxConfig Pod(UserNamespace? userns = null, string logs = "/var/log/pods/x") => new()
    {
        Metadata = new PodSandboxMetadata { Name = "web", Namespace = "team", Uid = "u1", Attempt = 2 },
        Hostname = "web-0", LogDirectory = logs,
        Labels = { ["app"] = "web" },
        Linux = new LinuxPodSandboxConfig
        {
            CgroupParent = "/kubepods/podu1",
            SecurityContext = new LinuxSandboxSecurityContext { NamespaceOptions = new NamespaceOption { Pid = NamespaceMode.Container, UsernsOptions = userns } },
        },
    };

    private static UserNamespace PodUserns(uint host = 1000, uint length = 100000)
    {
        var u = new UserNamespace { Mode = NamespaceMode.Pod };
        u.Uids.Add(new IDMapping { ContainerId = 0, HostId = host, Length = length });
        u.Gids.Add(new IDMapping { ContainerId = 0, HostId = host, Length = length });
        return u;
    }

    [Fact]
    public async Task RunPodSandbox_hands_the_core_final_values()
    {
        var id = (await Service.RunPodSandbox(new RunPodSandboxRequest { Config = Pod(PodUserns()) }, _call)).PodSandboxId;

        var config = _core.Sandboxes[id].Entry.Config;
        Assert.Equal(("web", "team", "u1", 2u, "web-0", "/var/log/pods/x", "/kubepods/podu1"),
            (config.Name, config.Namespace, config.Uid, config.Attempt, config.Hostname, config.LogDirectory, config.CgroupParent));
        Assert.Equal(new Sublet.IdMapping.IdRange(1000, 100000), config.UserNamespace);
        Assert.Equal((NamespaceScope.Pod, NamespaceScope.Container, Owner.Cri), (config.Network, config.Pid, config.Owner));
    }

    [Fact]
    public async Task Bad_userns_options_never_reach_the_core()
    {
        var two = PodUserns();
        two.Uids.Add(new IDMapping { ContainerId = 0, HostId = 2000, Length = 100000 });

        var error = await Assert.ThrowsAsync<RuntimeError>(() => Service.RunPodSandbox(new RunPodSandboxRequest { Config = Pod(two) }, _call));

        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
        Assert.Equal("UID mapping: only one mapping line supported, got 2 mapping lines", error.Message);
        Assert.Empty(_core.Calls);
    }

    [Fact]
    public async Task An_unknown_runtime_handler_is_refused()
    {
        var error = await Assert.ThrowsAsync<RuntimeError>(() => Service.RunPodSandbox(new RunPodSandboxRequest { Config = Pod(), RuntimeHandler = "kata" }, _call));
        Assert.Contains("runtime handler \"kata\"", error.Message);
        Assert.Empty(_core.Calls);
    }

    [Fact]
    public async Task A_container_gets_its_log_under_the_sandbox_directory_and_idmapped_mounts()
    {
        var sandbox = (await Service.RunPodSandbox(new RunPodSandboxRequest { Config = Pod(PodUserns()) }, _call)).PodSandboxId;
        var mount = new Mount { ContainerPath = "/data", HostPath = "/srv/data", Readonly = true };
        mount.UidMappings.Add(PodUserns().Uids);
        mount.GidMappings.Add(PodUserns().Gids);
        var config = new ContainerConfig { Metadata = new ContainerMetadata { Name = "app", Attempt = 1 }, Image = new ImageSpec { Image = "busybox" }, LogPath = "app/1.log", Mounts = { mount } };
        config.Linux = new LinuxContainerConfig { SecurityContext = new LinuxContainerSecurityContext { NamespaceOptions = new NamespaceOption { UsernsOptions = PodUserns() } } };

        var id = (await Service.CreateContainer(new CreateContainerRequest { PodSandboxId = sandbox[..6], Config = config }, _call)).ContainerId;

        var created = _core.Containers[id].Entry.Config;
        Assert.Equal("/var/log/pods/x/app/1.log", created.LogPath);
        Assert.Equal(new MountSpec("/data", "/srv/data", true, Sublet.Runtime.Sandboxes.MountPropagation.None, Idmapped: true), Assert.Single(created.Mounts));
    }

    [Theory]
    [InlineData("")]
    [InlineData("relative/dir")]
    public async Task A_log_path_without_an_absolute_log_directory_is_not_resolved_against_serves_working_directory(string logs)
    {
        var sandbox = (await Service.RunPodSandbox(new RunPodSandboxRequest { Config = Pod(logs: logs) }, _call)).PodSandboxId;
        var config = new ContainerConfig { Metadata = new ContainerMetadata { Name = "app" }, Image = new ImageSpec { Image = "busybox" }, LogPath = "oom" };

        var id = (await Service.CreateContainer(new CreateContainerRequest { PodSandboxId = sandbox, Config = config }, _call)).ContainerId;

        Assert.Null(_core.Containers[id].Entry.Config.LogPath); // the runtime's own log under its state root
    }

    [Fact]
    public async Task A_container_whose_userns_differs_from_its_sandbox_is_refused_in_containerds_words()
    {
        var sandbox = (await Service.RunPodSandbox(new RunPodSandboxRequest { Config = Pod(PodUserns()) }, _call)).PodSandboxId;
        var config = new ContainerConfig { Metadata = new ContainerMetadata { Name = "app" }, Image = new ImageSpec { Image = "busybox" } };
        config.Linux = new LinuxContainerConfig { SecurityContext = new LinuxContainerSecurityContext { NamespaceOptions = new NamespaceOption { UsernsOptions = PodUserns(5000) } } };

        var error = await Assert.ThrowsAsync<RuntimeError>(() => Service.CreateContainer(new CreateContainerRequest { PodSandboxId = sandbox, Config = config }, _call));

        Assert.StartsWith("user namespace config for sandbox is different from container", error.Message);
        Assert.DoesNotContain(_core.Calls, c => c.StartsWith("create", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_mount_idmapped_to_another_range_is_refused()
    {
        var sandbox = (await Service.RunPodSandbox(new RunPodSandboxRequest { Config = Pod(PodUserns()) }, _call)).PodSandboxId;
        var mount = new Mount { ContainerPath = "/data", HostPath = "/srv" };
        mount.UidMappings.Add(PodUserns(9000).Uids);
        var config = new ContainerConfig { Metadata = new ContainerMetadata { Name = "app" }, Image = new ImageSpec { Image = "busybox" }, Mounts = { mount } };

        var error = await Assert.ThrowsAsync<RuntimeError>(() => Service.CreateContainer(new CreateContainerRequest { PodSandboxId = sandbox, Config = config }, _call));

        Assert.Contains("must be the pod's user namespace mapping (POD 0:1000:100000)", error.Message);
    }

    [Fact]
    public async Task Lists_filter_by_state_and_labels_and_status_reports_the_userns_applied()
    {
        var a = (await Service.RunPodSandbox(new RunPodSandboxRequest { Config = Pod(PodUserns()) }, _call)).PodSandboxId;
        var other = Pod();
        other.Metadata.Name = "db";
        other.Labels["app"] = "db";
        var b = (await Service.RunPodSandbox(new RunPodSandboxRequest { Config = other }, _call)).PodSandboxId;
        await Service.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = b }, _call);

        var byLabel = await Service.ListPodSandbox(new ListPodSandboxRequest { Filter = new PodSandboxFilter { LabelSelector = { ["app"] = "web" } } }, _call);
        var notReady = await Service.ListPodSandbox(new ListPodSandboxRequest { Filter = new PodSandboxFilter { State = new PodSandboxStateValue { State = PodSandboxState.SandboxNotready } } }, _call);
        var status = (await Service.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = a }, _call)).Status;

        Assert.Equal(a, Assert.Single(byLabel.Items).Id);
        Assert.Equal(b, Assert.Single(notReady.Items).Id);
        Assert.Equal(1000u, status.Linux.Namespaces.Options.UsernsOptions.Uids[0].HostId);
        Assert.Equal(1_000_000_000L, status.CreatedAt);
    }

    [Fact]
    public async Task Verbose_status_carries_the_sandboxs_live_id_audit()
    {
        var id = (await Service.RunPodSandbox(new RunPodSandboxRequest { Config = Pod(PodUserns()) }, _call)).PodSandboxId;
        var healthy = System.Text.Json.Nodes.JsonNode.Parse((await Service.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = id, Verbose = true }, _call)).Info["info"])!;
        Assert.True((bool)healthy["idAudit"]!["healthy"]!);
        Assert.Empty(healthy["idAudit"]!["findings"]!.AsArray());

        _core.Findings[id] = [new Sublet.Runtime.Audit.IdFinding("team/web (cri)", "foreign user namespace", "user:[9] of pid 7 (sleep) maps host IDs 1100-1109")];
        var found = System.Text.Json.Nodes.JsonNode.Parse((await Service.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = id, Verbose = true }, _call)).Info["info"])!;

        Assert.False((bool)found["idAudit"]!["healthy"]!);
        var finding = Assert.Single(found["idAudit"]!["findings"]!.AsArray())!;
        Assert.Equal(("foreign user namespace", "user:[9] of pid 7 (sleep) maps host IDs 1100-1109"), ((string)finding["check"]!, (string)finding["detail"]!));
    }

    [Fact]
    public async Task Ids_resolve_from_a_unique_prefix_of_a_cri_sandbox_only()
    {
        var a = (await Service.RunPodSandbox(new RunPodSandboxRequest { Config = Pod() }, _call)).PodSandboxId; // s001000…
        var other = Pod();
        other.Metadata.Name = "db";
        var b = (await Service.RunPodSandbox(new RunPodSandboxRequest { Config = other }, _call)).PodSandboxId; // s002000…
        var played = _core.RunSandbox(new Sublet.Runtime.Sandboxes.SandboxConfig { Name = "played", Namespace = "default", Uid = "p", Hostname = "played", Owner = Owner.Play }).Id;

        Assert.Equal(b, (await Service.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = "s002" }, _call)).Status.Id);
        var ambiguous = await Assert.ThrowsAsync<RuntimeError>(() => Service.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = "s00" }, _call));
        Assert.Equal((ErrorKind.InvalidArgument, "sandbox ID prefix \"s00\" is ambiguous"), (ambiguous.Kind, ambiguous.Message));
        var hidden = await Assert.ThrowsAsync<RuntimeError>(() => Service.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = played[..4] }, _call));
        Assert.Equal(ErrorKind.NotFound, hidden.Kind);
        await Service.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = a[..4] }, _call);
        Assert.Equal($"stopp {a}", _core.Calls[^1]);
    }

    [Fact]
    public async Task Stop_and_remove_of_unknown_ids_succeed_and_status_of_one_is_not_found()
    {
        await Service.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = "gone" }, _call);
        await Service.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = "gone" }, _call);
        await Service.StopContainer(new StopContainerRequest { ContainerId = "gone", Timeout = 5 }, _call);
        await Service.RemoveContainer(new RemoveContainerRequest { ContainerId = "gone" }, _call);

        Assert.Equal(["stopp gone", "rmp gone", "stop gone 5", "rm gone"], _core.Calls);
        Assert.Equal(ErrorKind.NotFound, (await Assert.ThrowsAsync<RuntimeError>(() => Service.ContainerStatus(new ContainerStatusRequest { ContainerId = "gone" }, _call))).Kind);
    }

    [Fact]
    public async Task ExecSync_returns_output_and_exit_code()
    {
        var sandbox = (await Service.RunPodSandbox(new RunPodSandboxRequest { Config = Pod() }, _call)).PodSandboxId;
        var id = (await Service.CreateContainer(new CreateContainerRequest
        {
            PodSandboxId = sandbox, Config = new ContainerConfig { Metadata = new ContainerMetadata { Name = "app" }, Image = new ImageSpec { Image = "busybox" } },
        }, _call)).ContainerId;

        var result = await Service.ExecSync(new ExecSyncRequest { ContainerId = id, Cmd = { "echo", "hi" }, Timeout = 7 }, _call);

        Assert.Equal((3, "out", "err"), (result.ExitCode, result.Stdout.ToStringUtf8(), result.Stderr.ToStringUtf8()));
        Assert.Contains($"exec {id} echo hi 7", _core.Calls);
    }

    [Fact]
    public void Runtime_errors_map_to_grpc_codes_by_kind()
    {
        Assert.Equal(Grpc.Core.StatusCode.AlreadyExists, CriErrors.ToStatus(new RuntimeError(ErrorKind.AlreadyExists, "x")).StatusCode);
        Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, CriErrors.ToStatus(RuntimeError.Precondition("x")).StatusCode);
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, CriErrors.ToStatus(RuntimeError.Invalid("x")).StatusCode);
        Assert.Equal(Grpc.Core.StatusCode.NotFound, CriErrors.ToStatus(RuntimeError.NotFound("x")).StatusCode);
        Assert.Equal(Grpc.Core.StatusCode.Internal, CriErrors.ToStatus(new RuntimeError(ErrorKind.Internal, "x")).StatusCode);
    }

    [Fact]
    public async Task Events_follow_create_start_and_remove_with_the_statuses_of_the_pod()
    {
        var service = Services.Runtime(UserNamespaceSupport.Yes, _core, out var events);
        var (reader, registration) = events.Subscribe();
        using var _ = registration;
        var sandbox = (await service.RunPodSandbox(new RunPodSandboxRequest { Config = Pod() }, _call)).PodSandboxId;
        var id = (await service.CreateContainer(new CreateContainerRequest
        {
            PodSandboxId = sandbox, Config = new ContainerConfig { Metadata = new ContainerMetadata { Name = "app" }, Image = new ImageSpec { Image = "busybox" } },
        }, _call)).ContainerId;
        await service.StartContainer(new StartContainerRequest { ContainerId = id }, _call);
        events.Publish(id, ContainerEventType.ContainerStoppedEvent); // what the exit watcher does when conmon writes the exit file
        await service.RemoveContainer(new RemoveContainerRequest { ContainerId = id }, _call);

        var seen = new List<ContainerEventResponse>();
        while (reader.TryRead(out var e))
        {
            seen.Add(e);
        }
        Assert.Equal(
            [ContainerEventType.ContainerCreatedEvent, ContainerEventType.ContainerStartedEvent, ContainerEventType.ContainerStoppedEvent, ContainerEventType.ContainerDeletedEvent],
            seen.Select(e => e.ContainerEventType));
        Assert.All(seen, e => Assert.Equal(id, e.ContainerId));
        Assert.Equal(sandbox, seen[0].PodSandboxStatus.Id);
        Assert.Equal(ContainerState.ContainerRunning, Assert.Single(seen[1].ContainersStatuses).State);
        Assert.Equal(id, Assert.Single(seen[3].ContainersStatuses).Id); // the removed container's last status
    }

    [Fact]
    public async Task Stats_carry_cumulative_cpu_memory_and_the_writable_layer()
    {
        var sandbox = (await Service.RunPodSandbox(new RunPodSandboxRequest { Config = Pod() }, _call)).PodSandboxId;
        var id = (await Service.CreateContainer(new CreateContainerRequest
        {
            PodSandboxId = sandbox, Config = new ContainerConfig { Metadata = new ContainerMetadata { Name = "app" }, Image = new ImageSpec { Image = "busybox" }, Labels = { ["k"] = "v" } },
        }, _call)).ContainerId;

        var stats = (await Service.ContainerStats(new ContainerStatsRequest { ContainerId = id }, _call)).Stats;
        var pod = (await Service.PodSandboxStats(new PodSandboxStatsRequest { PodSandboxId = sandbox }, _call)).Stats;
        var listed = await Service.ListContainerStats(new ListContainerStatsRequest { Filter = new ContainerStatsFilter { LabelSelector = { ["k"] = "v" } } }, _call);

        Assert.Equal((2_000_000_000ul, 200ul, 300ul), (stats.Cpu.UsageCoreNanoSeconds.Value, stats.Memory.WorkingSetBytes.Value, stats.Memory.UsageBytes.Value));
        Assert.Null(stats.Cpu.UsageNanoCores); // a rate needs a previous reading
        Assert.Equal((4096ul, 3ul, "/var"), (stats.WritableLayer.UsedBytes.Value, stats.WritableLayer.InodesUsed.Value, stats.WritableLayer.FsId.Mountpoint));
        Assert.Equal(200ul, pod.Linux.Memory.AvailableBytes.Value);
        Assert.Equal(id, Assert.Single(pod.Linux.Containers).Attributes.Id);
        Assert.Equal(id, Assert.Single(listed.Stats).Attributes.Id);
    }

    [Fact]
    public void The_cpu_rate_is_the_usage_since_the_previous_reading()
    {
        var mapper = new Mapping.StatsMapper();
        var entry = new ContainerEntry { Id = "c", SandboxId = "s", Config = new Sublet.Runtime.Sandboxes.ContainerConfig { Name = "a", Image = "i" }, ImageId = "x", ImageRef = "i", LogPath = "/l" };
        ContainerUsage At(int seconds, long nanos) => new(entry, new CgroupUsage(DateTimeOffset.UnixEpoch.AddSeconds(seconds), nanos, null), null, null, "/");

        mapper.Container(At(10, 1_000_000_000));
        var second = mapper.Container(At(12, 2_000_000_000));

        Assert.Equal(500_000_000ul, second.Cpu.UsageNanoCores.Value); // 1 s of CPU over 2 s = half a core
    }

    [Fact]
    public async Task A_group_without_a_user_is_refused_as_containerd_does()
    {
        var sandbox = (await Service.RunPodSandbox(new RunPodSandboxRequest { Config = Pod() }, _call)).PodSandboxId;
        var config = new ContainerConfig { Metadata = new ContainerMetadata { Name = "app" }, Image = new ImageSpec { Image = "busybox" } };
        config.Linux = new LinuxContainerConfig { SecurityContext = new LinuxContainerSecurityContext { RunAsGroup = new Int64Value { Value = 5 } } };

        var error = await Assert.ThrowsAsync<RuntimeError>(() => Service.CreateContainer(new CreateContainerRequest { PodSandboxId = sandbox, Config = config }, _call));

        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("user group is specified without user", error.Message);
    }

    [Fact]
    public async Task Status_reports_the_process_identity_and_strict_groups_reach_the_core()
    {
        var sandbox = (await Service.RunPodSandbox(new RunPodSandboxRequest { Config = Pod() }, _call)).PodSandboxId;
        var config = new ContainerConfig { Metadata = new ContainerMetadata { Name = "app" }, Image = new ImageSpec { Image = "busybox" } };
        config.Linux = new LinuxContainerConfig { SecurityContext = new LinuxContainerSecurityContext { SupplementalGroupsPolicy = Api.SupplementalGroupsPolicy.Strict } };
        var id = (await Service.CreateContainer(new CreateContainerRequest { PodSandboxId = sandbox, Config = config }, _call)).ContainerId;
        _core.Containers[id] = _core.Containers[id] with { User = new Sublet.Runtime.Oci.ResolvedUser(1000, 1000, [50000, 1234]) };

        var status = (await Service.ContainerStatus(new ContainerStatusRequest { ContainerId = id }, _call)).Status;

        Assert.Equal(Sublet.Runtime.Sandboxes.SupplementalGroupsPolicy.Strict, _core.Containers[id].Entry.Config.Security.SupplementalGroupsPolicy);
        Assert.Equal((1000L, 1000L), (status.User.Linux.Uid, status.User.Linux.Gid));
        Assert.Equal([1000L, 1234L, 50000L], status.User.Linux.SupplementalGroups);
        Assert.True((await Service.Status(new StatusRequest(), _call)).Features.SupplementalGroupsPolicy);
    }
}
