using System.Text.Json;
using Grpc.Core;
using Sublet.Cri.Api;

namespace Sublet.Integration.Tests;

/// <summary>
/// Sandboxes and containers over CRI (issue 20): a real <c>sublet serve</c> driven by the project's
/// gRPC client, with user namespaces as the kubelet sends them, the refusals, idempotence, a
/// server killed mid-lifecycle, and <c>play</c> pods beside CRI pods in one store.
/// </summary>
public sealed class CriPodTests
{
    private const string Demo = "localhost/busybox:demo";

    [Fact]
    public void A_user_namespaced_pod_runs_its_container_in_the_range_the_kubelet_sent_and_leaves_nothing()
    {
        using var env = new SubletEnv("maxPods: 1");
        env.LoadDemoImage();
        var hostId = (uint)env.UsePrivatePool(1);
        using var server = CriServer.Start(env);
        var rt = server.Runtime;
        var logs = Path.Combine(env.Root, "logs");

        var sandboxId = rt.RunPodSandbox(new RunPodSandboxRequest { Config = Cri.Sandbox("web", logs, Cri.PodUserns(hostId, 65536)) }).PodSandboxId;
        var containerId = rt.CreateContainer(new CreateContainerRequest
        {
            PodSandboxId = sandboxId,
            Config = Cri.Container("app", Demo, ["sh", "-c", "cat /proc/self/uid_map; echo ready; exec sleep 300"], "app.log"),
        }).ContainerId;
        Assert.Equal(ContainerState.ContainerCreated, rt.ContainerStatus(new ContainerStatusRequest { ContainerId = containerId }).Status.State);
        rt.StartContainer(new StartContainerRequest { ContainerId = containerId });

        var log = Cri.WaitForLog(Path.Combine(logs, "app.log"), "ready");
        Assert.Matches($@"stdout F\s+0\s+{hostId}\s+65536", log);
        var exec = rt.ExecSync(new ExecSyncRequest { ContainerId = containerId, Cmd = { "sh", "-c", "id -u; cat /proc/self/gid_map; exit 3" }, Timeout = 30 });
        Assert.Equal(3, exec.ExitCode);
        Assert.Matches($@"^0\n\s+0\s+{hostId}\s+65536", exec.Stdout.ToStringUtf8());

        var status = rt.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = sandboxId, Verbose = true });
        Assert.Equal(PodSandboxState.SandboxReady, status.Status.State);
        Assert.Equal(NamespaceMode.Pod, status.Status.Linux.Namespaces.Options.UsernsOptions.Mode);
        Assert.Equal(hostId, status.Status.Linux.Namespaces.Options.UsernsOptions.Uids[0].HostId);
        Assert.Contains($"0 {hostId} 65536", status.Info["info"]);
        var idAudit = System.Text.Json.Nodes.JsonNode.Parse(status.Info["info"])!["idAudit"]!;
        Assert.True((bool)idAudit["healthy"]!, idAudit.ToJsonString()); // the live ID audit of ids --verify, through CRI
        var listed = rt.ListContainers(new ListContainersRequest { Filter = new ContainerFilter { PodSandboxId = sandboxId, State = new ContainerStateValue { State = ContainerState.ContainerRunning } } });
        Assert.Equal(containerId, Assert.Single(listed.Containers).Id);
        Assert.Contains(env.Json("ids").EnumerateArray(), a => a.GetProperty("hostIdStart").GetInt64() == hostId);
        // The live audit covers CRI pods: their processes in the kubelet's range, their namespace mapping exactly it.
        var audit = env.Json("ids", "--verify");
        Assert.Equal(1, audit.GetProperty("pods").GetInt32());
        Assert.Empty(audit.GetProperty("findings").EnumerateArray());

        rt.StopContainer(new StopContainerRequest { ContainerId = containerId, Timeout = 10 });
        var stopped = rt.ContainerStatus(new ContainerStatusRequest { ContainerId = containerId }).Status;
        Assert.Equal(ContainerState.ContainerExited, stopped.State);
        Assert.Equal(143, stopped.ExitCode); // sleep ends on SIGTERM
        Assert.Equal("Error", stopped.Reason);
        Assert.True(stopped.FinishedAt >= stopped.StartedAt && stopped.StartedAt > 0);

        rt.RemoveContainer(new RemoveContainerRequest { ContainerId = containerId });
        rt.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = sandboxId });
        Assert.Equal(PodSandboxState.SandboxNotready, rt.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = sandboxId }).Status.State);
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
        // Gone already: stop and remove succeed (the proto asks for idempotence).
        rt.StopContainer(new StopContainerRequest { ContainerId = containerId });
        rt.RemoveContainer(new RemoveContainerRequest { ContainerId = containerId });
        rt.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = sandboxId });
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
        Assert.Equal(StatusCode.NotFound, Assert.Throws<RpcException>(() => rt.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = sandboxId })).StatusCode);
        Assert.Empty(rt.ListPodSandbox(new ListPodSandboxRequest()).Items);
        env.AssertNoLeftovers();
        Assert.Contains("app.log", Directory.GetFiles(logs).Select(Path.GetFileName)); // the kubelet's log stays for the kubelet to remove
    }

    [Fact]
    public void A_user_namespaced_pod_on_the_nodes_network_sees_the_nodes_interfaces_and_sys_read_only()
    {
        // What a kubelet with the UserNamespacesHostNetworkSupport gate sends for hostNetwork + hostUsers: false.
        using var env = new SubletEnv("maxPods: 1");
        env.LoadDemoImage();
        var hostId = (uint)env.UsePrivatePool(1);
        using var server = CriServer.Start(env);
        var rt = server.Runtime;
        var logs = Path.Combine(env.Root, "logs");
        var config = Cri.Sandbox("hostnet", logs, Cri.PodUserns(hostId, 65536));
        config.Linux.SecurityContext.NamespaceOptions.Network = NamespaceMode.Node;
        config.Hostname = ""; // the kubelet sends none for a hostNetwork pod

        var sandboxId = rt.RunPodSandbox(new RunPodSandboxRequest { Config = config }).PodSandboxId;
        var containerId = rt.CreateContainer(new CreateContainerRequest
        {
            PodSandboxId = sandboxId, SandboxConfig = config,
            Config = Cri.Container("app", Demo, ["sh", "-c", "cat /proc/self/uid_map; readlink /proc/self/ns/net; ls /sys/class/net | tr '\\n' ' '; echo; touch /sys/x 2>&1; echo host=$HOSTNAME; echo ready; exec sleep 300"], "app.log"),
        }).ContainerId;
        rt.StartContainer(new StartContainerRequest { ContainerId = containerId });

        var log = Cri.WaitForLog(Path.Combine(logs, "app.log"), "ready");
        Assert.Matches($@"stdout F\s+0\s+{hostId}\s+65536", log);
        Assert.Contains($"stdout F {new FileInfo("/proc/self/ns/net").LinkTarget}", log);
        // The node's interfaces (others may come and go meanwhile: any one of them besides lo).
        var interfaces = Assert.Single(log.Split('\n'), l => l.Contains(" lo ", StringComparison.Ordinal));
        Assert.Contains(Directory.GetFileSystemEntries("/sys/class/net").Select(Path.GetFileName).Where(n => n != "lo"), n => interfaces.Contains($" {n} ", StringComparison.Ordinal));
        Assert.Contains("Read-only file system", log);
        Assert.Contains($"stdout F host={Environment.MachineName}\n", log); // containerd's HOSTNAME when the sandbox names none
        Assert.Empty(rt.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = sandboxId }).Status.Network.AdditionalIps);

        rt.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = sandboxId });
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
        env.AssertNoLeftovers();
    }

    [Fact]
    public void Sublet_logs_shows_a_cri_containers_last_attempt_and_with_previous_the_one_before()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        using var server = CriServer.Start(env);
        var rt = server.Runtime;
        var logs = Path.Combine(env.Root, "logs");
        var config = Cri.Sandbox("twice", logs, Cri.Userns(NamespaceMode.Node));
        var sandboxId = rt.RunPodSandbox(new RunPodSandboxRequest { Config = config }).PodSandboxId;
        // The kubelet's restart: a new container of the same name, the next attempt, its own log.
        foreach (var attempt in new uint[] { 0, 1 })
        {
            var container = Cri.Container("app", Demo, ["echo", $"attempt-{attempt}"], $"app/{attempt}.log");
            container.Metadata.Attempt = attempt;
            var id = rt.CreateContainer(new CreateContainerRequest { PodSandboxId = sandboxId, SandboxConfig = config, Config = container }).ContainerId;
            rt.StartContainer(new StartContainerRequest { ContainerId = id });
            Cri.WaitForLog(Path.Combine(logs, "app", $"{attempt}.log"), $"attempt-{attempt}");
        }

        Assert.Equal("attempt-1\n", env.Ok("logs", "twice").Stdout);
        Assert.Equal("attempt-0\n", env.Ok("logs", "twice", "--previous").Stdout);

        rt.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = sandboxId });
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
        env.AssertNoLeftovers();
    }

    [Theory]
    [InlineData("two mappings", "only one mapping line supported, got 2")]
    [InlineData("container id 1", "container ID 0 is not mapped")]
    [InlineData("CONTAINER", "unsupported user namespace mode: \"CONTAINER\"")]
    [InlineData("TARGET", "unsupported user namespace mode: \"TARGET\"")]
    [InlineData("length 0", "invalid mapping length: 0")]
    [InlineData("NODE with mappings", "can't use user namespace mode \"NODE\" with mappings")]
    public void Userns_options_that_cannot_work_are_refused_before_anything_is_made(string kind, string words)
    {
        using var env = new SubletEnv();
        using var server = CriServer.Start(env);
        var userns = kind switch
        {
            "two mappings" => Cri.Userns(NamespaceMode.Pod, (0, 1000, 100000), (0, 2000, 100000)),
            "container id 1" => Cri.Userns(NamespaceMode.Pod, (1, 1000, 100000)),
            "CONTAINER" => Cri.Userns(NamespaceMode.Container),
            "TARGET" => Cri.Userns(NamespaceMode.Target),
            "length 0" => Cri.Userns(NamespaceMode.Pod, (0, 1000, 0)),
            _ => Cri.Userns(NamespaceMode.Node, (0, 1000, 100000)),
        };
        var error = Assert.Throws<RpcException>(() => server.Runtime.RunPodSandbox(new RunPodSandboxRequest { Config = Cri.Sandbox("bad", null, userns) }));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(words, error.Status.Detail);
        env.AssertNoLeftovers();
    }

    [Fact]
    public void Failed_starts_leave_nothing_and_name_what_was_wrong()
    {
        using var env = new SubletEnv("maxPods: 1");
        env.LoadDemoImage();
        var hostId = (uint)env.UsePrivatePool(1);
        var ramfs = Path.Combine(env.Root, "ramfs");
        env.MountRamfs(ramfs);
        var notADirectory = Path.Combine(env.Root, "file");
        File.WriteAllText(notADirectory, "");
        using var server = CriServer.Start(env);
        var rt = server.Runtime;

        // The sandbox fails after it was recorded (its log directory can't be made): all of it goes, the range too.
        var sandboxError = Assert.Throws<RpcException>(() => rt.RunPodSandbox(new RunPodSandboxRequest
        {
            Config = Cri.Sandbox("bad-logs", Path.Combine(notADirectory, "logs"), Cri.PodUserns(hostId, 65536)),
        }));
        Assert.Contains(notADirectory, sandboxError.Status.Detail);
        env.AssertNoLeftovers();

        // A container whose idmapped mount is on a filesystem that can't be idmapped: named, and its rootfs and mounts go.
        var sandboxId = rt.RunPodSandbox(new RunPodSandboxRequest { Config = Cri.Sandbox("ok", null, Cri.PodUserns(hostId, 65536)) }).PodSandboxId;
        var config = Cri.Container("c", Demo, ["true"], null);
        var mount = new Mount { ContainerPath = "/data", HostPath = ramfs };
        mount.UidMappings.Add(Cri.PodUserns(hostId, 65536).Uids);
        mount.GidMappings.Add(Cri.PodUserns(hostId, 65536).Gids);
        config.Mounts.Add(mount);
        var mountError = Assert.Throws<RpcException>(() => rt.CreateContainer(new CreateContainerRequest { PodSandboxId = sandboxId, Config = config }));
        Assert.Equal(StatusCode.InvalidArgument, mountError.StatusCode);
        Assert.Contains($"mount {ramfs} at /data: the ramfs filesystem", mountError.Status.Detail);
        Assert.Empty(rt.ListContainers(new ListContainersRequest()).Containers);
        var missing = Assert.Throws<RpcException>(() => rt.CreateContainer(new CreateContainerRequest { PodSandboxId = sandboxId, Config = Cri.Container("c", "localhost/nothing:here", ["true"], null) }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Contains("image \"localhost/nothing:here\" not found", missing.Status.Detail);
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
        env.AssertNoLeftovers();
    }

    [Fact]
    public void A_range_another_pod_holds_is_refused_and_play_never_hands_out_a_cri_range()
    {
        using var env = new SubletEnv("maxPods: 2");
        env.LoadDemoImage();
        var pool = (uint)env.UsePrivatePool(2);
        env.WriteManifest($"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: played
            spec:
              hostUsers: false
              containers:
              - name: c
                image: {Demo}
                command: [sleep, "300"]
            """);
        using var server = CriServer.Start(env);
        var rt = server.Runtime;
        // CRI takes the pool's second slot; play must then get the first.
        var cri = rt.RunPodSandbox(new RunPodSandboxRequest { Config = Cri.Sandbox("cri", null, Cri.PodUserns(pool + 65536, 65536)) }).PodSandboxId;
        env.Ok("play", Path.Combine(env.Root, "pod.yaml"));
        var ranges = env.Json("ids").EnumerateArray().ToDictionary(a => a.GetProperty("pod").GetString()!, a => a.GetProperty("hostIdStart").GetInt64());
        Assert.Equal(pool, ranges["played"]);

        var clash = Assert.Throws<RpcException>(() => rt.RunPodSandbox(new RunPodSandboxRequest { Config = Cri.Sandbox("clash", null, Cri.PodUserns(pool + 1000, 65536)) }));
        Assert.Equal(StatusCode.FailedPrecondition, clash.StatusCode);
        Assert.Contains("overlap pod default/played", clash.Status.Detail);

        // A range a user namespace outside the store maps (another runtime, a process started by hand) is refused too.
        using (var planted = new PlantedNamespace(pool + 200_000, 1000))
        {
            var held = Assert.Throws<RpcException>(() => rt.RunPodSandbox(new RunPodSandboxRequest { Config = Cri.Sandbox("held", null, Cri.PodUserns(pool + 190_000, 65536)) }));
            Assert.Equal(StatusCode.FailedPrecondition, held.StatusCode);
            Assert.Contains($"of pid {planted.Id}", held.Status.Detail);
        }

        // The kubelet sees only its own sandboxes: never play's pods, which it would collect.
        Assert.Equal(cri, Assert.Single(rt.ListPodSandbox(new ListPodSandboxRequest()).Items).Id);
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = cri });
        env.Ok("down", "played");
        env.AssertNoLeftovers();
    }

    [Fact]
    public void Containers_outlive_a_killed_server_and_a_new_one_serves_them()
    {
        using var env = new SubletEnv("maxPods: 1");
        env.LoadDemoImage();
        var hostId = (uint)env.UsePrivatePool(1);
        string sandboxId, containerId;
        using (var first = CriServer.Start(env))
        {
            sandboxId = first.Runtime.RunPodSandbox(new RunPodSandboxRequest { Config = Cri.Sandbox("survivor", null, Cri.PodUserns(hostId, 65536)) }).PodSandboxId;
            containerId = first.Runtime.CreateContainer(new CreateContainerRequest
            {
                PodSandboxId = sandboxId, Config = Cri.Container("c", Demo, ["sh", "-c", "while [ ! -e /tmp/stop ]; do sleep 0.1; done; exit 7"], null),
            }).ContainerId;
            first.Runtime.StartContainer(new StartContainerRequest { ContainerId = containerId });
            first.Stop("KILL");
        }
        using var second = CriServer.Start(env);
        var rt = second.Runtime;
        Assert.Equal(ContainerState.ContainerRunning, rt.ContainerStatus(new ContainerStatusRequest { ContainerId = containerId }).Status.State);
        Assert.Equal(PodSandboxState.SandboxReady, rt.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = sandboxId }).Status.State);
        Assert.Equal(0, rt.ExecSync(new ExecSyncRequest { ContainerId = containerId, Cmd = { "touch", "/tmp/stop" }, Timeout = 30 }).ExitCode);
        var status = Cri.WaitFor(() => rt.ContainerStatus(new ContainerStatusRequest { ContainerId = containerId }).Status, s => s.State == ContainerState.ContainerExited);
        Assert.Equal(7, status.ExitCode);
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
        env.AssertNoLeftovers();
    }

    /// <summary>
    /// A pause whose conmon was killed first (the OOM killer, a stray kill): no exit file will come,
    /// so the stop must not wait for one (it used to wait 30 s, past crictl's 2 s deadline).
    /// </summary>
    [Fact]
    public void A_sandbox_whose_monitor_was_killed_stops_and_is_removed_without_waiting()
    {
        using var env = new SubletEnv("maxPods: 1");
        env.LoadDemoImage();
        var hostId = (uint)env.UsePrivatePool(1);
        using var server = CriServer.Start(env);
        var rt = server.Runtime;
        var sandboxId = rt.RunPodSandbox(new RunPodSandboxRequest { Config = Cri.Sandbox("orphaned", null, Cri.PodUserns(hostId, 65536)) }).PodSandboxId;
        var stateDir = Path.Combine(env.StateRoot, "pods", sandboxId, "sandbox");
        var conmon = int.Parse(File.ReadAllText(Path.Combine(stateDir, "conmon.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var pause = int.Parse(File.ReadAllText(Path.Combine(env.RunRoot, "pods", sandboxId, "sandbox", "pidfile")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, Host.Run("kill", "-KILL", conmon.ToString(System.Globalization.CultureInfo.InvariantCulture)).ExitCode);
        Assert.Equal(0, Host.Run("kill", "-KILL", pause.ToString(System.Globalization.CultureInfo.InvariantCulture)).ExitCode);
        Assert.False(File.Exists(Path.Combine(stateDir, "exit")));

        // A deadline far above a stop's cost and far below the 30 s wait it replaced.
        rt.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = sandboxId }, deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Equal(PodSandboxState.SandboxNotready, rt.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = sandboxId }).Status.State);
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = sandboxId }, deadline: DateTime.UtcNow.AddSeconds(10));
        env.AssertNoLeftovers();
    }

    [Fact]
    public async Task Exits_reach_the_event_stream_as_they_happen_and_stats_come_from_the_cgroups()
    {
        using var env = new SubletEnv("maxPods: 1");
        env.LoadDemoImage();
        var hostId = (uint)env.UsePrivatePool(1);
        using var server = CriServer.Start(env);
        var rt = server.Runtime;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var stream = rt.GetContainerEvents(new GetEventsRequest(), cancellationToken: cancel.Token);
        await stream.ResponseHeadersAsync; // subscribed
        var sandboxId = rt.RunPodSandbox(new RunPodSandboxRequest { Config = Cri.Sandbox("events", null, Cri.PodUserns(hostId, 65536)) }).PodSandboxId;
        var containerId = rt.CreateContainer(new CreateContainerRequest
        {
            PodSandboxId = sandboxId, Config = Cri.Container("c", Demo, ["sh", "-c", "while [ ! -e /tmp/stop ]; do :; done; exit 4"], null),
        }).ContainerId;
        rt.StartContainer(new StartContainerRequest { ContainerId = containerId });

        var busy = Cri.WaitFor(() => rt.ContainerStats(new ContainerStatsRequest { ContainerId = containerId }).Stats, s => s.Cpu.UsageCoreNanoSeconds?.Value > 0);
        Assert.True(busy.Memory.WorkingSetBytes.Value > 0);
        var pod = rt.PodSandboxStats(new PodSandboxStatsRequest { PodSandboxId = sandboxId }).Stats;
        Assert.True(pod.Linux.Cpu.UsageCoreNanoSeconds.Value >= busy.Cpu.UsageCoreNanoSeconds.Value);
        Assert.Equal(containerId, Assert.Single(rt.ListContainerStats(new ListContainerStatsRequest()).Stats).Attributes.Id);
        rt.ExecSync(new ExecSyncRequest { ContainerId = containerId, Cmd = { "touch", "/tmp/stop" }, Timeout = 30 });

        var types = new List<ContainerEventType>();
        await foreach (var e in stream.ResponseStream.ReadAllAsync(cancel.Token))
        {
            Assert.Equal(containerId, e.ContainerId);
            types.Add(e.ContainerEventType);
            if (e.ContainerEventType == ContainerEventType.ContainerStoppedEvent)
            {
                Assert.Equal(4, e.ContainersStatuses.Single(c => c.Id == containerId).ExitCode);
                break;
            }
        }
        Assert.Equal([ContainerEventType.ContainerCreatedEvent, ContainerEventType.ContainerStartedEvent, ContainerEventType.ContainerStoppedEvent], types);
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
        env.AssertNoLeftovers();
    }

    [Fact]
    public void Crictl_runs_a_user_namespaced_pod_from_start_to_removal()
    {
        using var env = new SubletEnv("maxPods: 1");
        env.LoadDemoImage();
        var hostId = (uint)env.UsePrivatePool(1);
        using var server = CriServer.Start(env);
        var logs = Path.Combine(env.Root, "logs");
        var pod = Path.Combine(env.Root, "pod.json");
        File.WriteAllText(pod, JsonSerializer.Serialize(new
        {
            metadata = new { name = "crictl-pod", @namespace = "default", uid = "u-1", attempt = 0 },
            log_directory = logs,
            linux = new { security_context = new { namespace_options = new { userns_options = new
            {
                mode = 0,
                uids = new[] { new { host_id = hostId, container_id = 0, length = 65536 } },
                gids = new[] { new { host_id = hostId, container_id = 0, length = 65536 } },
            } } } },
        }));
        var ctr = Path.Combine(env.Root, "ctr.json");
        File.WriteAllText(ctr, JsonSerializer.Serialize(new
        {
            metadata = new { name = "app" }, image = new { image = Demo },
            command = new[] { "sh", "-c", "cat /proc/self/uid_map; exec sleep 300" }, log_path = "app.log",
        }));

        var podId = Cri.Ok(server.Crictl("runp", pod)).Trim();
        var id = Cri.Ok(server.Crictl("create", podId, ctr, pod)).Trim();
        Cri.Ok(server.Crictl("start", id));
        Assert.Contains("crictl-pod", Cri.Ok(server.Crictl("pods")));
        Assert.Matches(@"Running\s+app", Cri.Ok(server.Crictl("ps")));
        Cri.WaitForLog(Path.Combine(logs, "app.log"), $"{hostId}");
        Assert.Matches($@"0\s+{hostId}\s+65536", Cri.Ok(server.Crictl("logs", id)));
        Assert.Equal("0", Cri.Ok(server.Crictl("exec", "-s", id, "id", "-u")).Trim());
        // The CLI shows CRI pods too, marked as such (issue 20 item 9).
        Assert.Matches(@"crictl-pod\s+default\s+Ready \(cri\)\s+app\s+Running", env.Ok("ps").Stdout);
        Assert.Matches($@"0\s+{hostId}\s+65536", env.Ok("logs", "crictl-pod").Stdout);
        var inspected = env.Json("inspect", "default/crictl-pod");
        Assert.Equal("cri", inspected.GetProperty("pod").GetProperty("owner").GetString());
        var stats = env.Json("stats", "crictl-pod");
        Assert.True(Assert.Single(Assert.Single(stats.EnumerateArray()).GetProperty("containers").EnumerateArray()).GetProperty("memoryUsageBytes").GetInt64() > 0);
        Assert.Equal(hostId, inspected.GetProperty("pod").GetProperty("userNamespace").GetProperty("hostIdStart").GetInt64());
        Assert.Equal("CONTAINER_RUNNING", JsonDocument.Parse(Cri.Ok(server.Crictl("inspect", id))).RootElement.GetProperty("status").GetProperty("state").GetString());
        Assert.Equal("SANDBOX_READY", JsonDocument.Parse(Cri.Ok(server.Crictl("inspectp", podId))).RootElement.GetProperty("status").GetProperty("state").GetString());
        Cri.Ok(server.Crictl("stop", "--timeout", "0", id));
        Cri.Ok(server.Crictl("rm", id));
        Cri.Ok(server.Crictl("stopp", podId));
        Cri.Ok(server.Crictl("rmp", podId));
        Assert.DoesNotContain("crictl-pod", Cri.Ok(server.Crictl("pods")));
        env.AssertNoLeftovers();
    }
}

/// <summary>CRI requests as the kubelet and critest build them.</summary>
internal static class Cri
{
    public static PodSandboxConfig Sandbox(string name, string? logDirectory, UserNamespace userns) => new()
    {
        Metadata = new PodSandboxMetadata { Name = name, Namespace = "default", Uid = "uid-" + name, Attempt = 0 },
        Hostname = name, LogDirectory = logDirectory ?? "",
        Linux = new LinuxPodSandboxConfig { SecurityContext = new LinuxSandboxSecurityContext { NamespaceOptions = new NamespaceOption { UsernsOptions = userns } } },
    };

    public static UserNamespace PodUserns(uint hostId, uint length) => Userns(NamespaceMode.Pod, (0, hostId, length));

    public static UserNamespace Userns(NamespaceMode mode, params (uint Container, uint Host, uint Length)[] mappings)
    {
        var userns = new UserNamespace { Mode = mode };
        foreach (var (c, h, l) in mappings)
        {
            userns.Uids.Add(new IDMapping { ContainerId = c, HostId = h, Length = l });
            userns.Gids.Add(new IDMapping { ContainerId = c, HostId = h, Length = l });
        }
        return userns;
    }

    public static ContainerConfig Container(string name, string image, string[] command, string? logPath)
    {
        var config = new ContainerConfig { Metadata = new ContainerMetadata { Name = name }, Image = new ImageSpec { Image = image }, LogPath = logPath ?? "" };
        config.Command.Add(command);
        return config;
    }

    public static string WaitForLog(string path, string text)
    {
        var content = WaitFor(() => File.Exists(path) ? File.ReadAllText(path) : "", c => c.Contains(text, StringComparison.Ordinal));
        return content;
    }

    public static T WaitFor<T>(Func<T> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var value = read();
        while (!done(value))
        {
            Assert.True(DateTime.UtcNow < deadline, $"not reached within 60 s; last: {value}");
            Thread.Sleep(100);
            value = read();
        }
        return value;
    }

    public static string Ok(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }
}
