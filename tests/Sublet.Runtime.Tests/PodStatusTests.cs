using System.Text.Json;
using Sublet.Images;
using Sublet.Linux.Processes;
using Sublet.Runtime.Config;
using Sublet.Runtime.Monitor;
using Sublet.Runtime.Oci;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Sandboxes;
using Sublet.Runtime.State;

namespace Sublet.Runtime.Tests;

/// <summary>A pod's view from its records and conmon's exit files, on a store in a temp dir (no root).</summary>
public sealed class PodStatusTests : IDisposable
{
    private readonly TestDir _dir = new();
    private readonly RuntimeContext _ctx;

    public PodStatusTests()
    {
        var config = new NodeConfig { StateRoot = _dir["state"], RunRoot = _dir["run"] };
        _ctx = new RuntimeContext
        {
            Config = config, Store = new StateStore(config.StateRoot), Images = new ImageStore(_dir["images"]), Mounter = new RecordingMounter(),
            Oci = new OciRuntime("runc", "/usr/sbin/runc", _dir["runc"], new RecordingRunner()), Conmon = new Conmon("/usr/bin/conmon"),
            Proc = new ProcFs(),
        };
    }

    public void Dispose()
    {
        _ctx.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void A_reader_sees_an_exit_without_writing_it_and_the_pods_writer_records_it()
    {
        var pod = RunningPod(1, _ => "c1");
        var exit = _ctx.Paths(pod.Id).ExitFile("c1");
        Directory.CreateDirectory(Path.GetDirectoryName(exit)!);
        File.WriteAllText(exit, "0");

        var seen = new PodStatus(_ctx).View(pod);
        Assert.Equal((ContainerState.Exited, (int?)0, "Completed"), (seen.Containers[0].State, seen.Containers[0].ExitCode, seen.Containers[0].Reason));
        Assert.Equal(PodState.Succeeded, seen.Pod.State);
        // issue 20 item 3: readers compute, they do not write.
        Assert.Equal(ContainerState.Running, Assert.Single(_ctx.Store.Containers(pod.Id)).State);
        Assert.Equal(PodState.Running, _ctx.Store.FindPod(pod.Id)!.State);

        new PodStatus(_ctx).View(pod, record: true);
        Assert.Equal((ContainerState.Exited, (int?)0), Assert.Single(_ctx.Store.Containers(pod.Id)) is var c ? (c.State, c.ExitCode) : default);
        Assert.Equal(PodState.Succeeded, _ctx.Store.FindPod(pod.Id)!.State);
    }

    [Fact]
    public void The_exit_of_a_container_an_older_sublet_started_is_found_where_it_wrote_it()
    {
        var pod = RunningPod(2, podId => $"{podId}-app");
        var exit = Path.Combine(_ctx.Paths(pod.Id).KubeletContainerDir("app"), "exit"); // its ContainerStateDir(name) then
        Directory.CreateDirectory(Path.GetDirectoryName(exit)!);
        File.WriteAllText(exit, "3");

        var seen = new PodStatus(_ctx).View(pod).Containers[0];
        Assert.Equal((ContainerState.Exited, (int?)3, "Error"), (seen.State, seen.ExitCode, seen.Reason));
    }

    [Theory]
    [InlineData("1", 1, "Error")]
    [InlineData("0", 0, "Completed")]
    public void A_container_the_runtime_core_made_ends_as_the_core_reports_it(string exitText, int code, string reason)
    {
        var pod = RunningPod(3, _ => "core1");
        CoreContainer(pod, "core1");
        var exit = _ctx.Paths(pod.Id).ExitFile("core1");
        Directory.CreateDirectory(Path.GetDirectoryName(exit)!);
        File.WriteAllText(exit, exitText);

        var seen = new PodStatus(_ctx).View(pod).Containers[0];

        Assert.Equal((ContainerState.Exited, (int?)code, reason), (seen.State, seen.ExitCode, seen.Reason));
        Assert.Equal(File.GetLastWriteTimeUtc(exit), seen.Finished!.Value.UtcDateTime);
    }

    [Fact]
    public void A_process_gone_without_an_exit_status_ends_as_over_CRI_while_the_pod_lives()
    {
        // conmon killed with its container: no exit file, and neither process runs (ContainerViews).
        var pod = RunningPod(4, _ => "core2");
        CoreContainer(pod, "core2");

        var seen = new PodStatus(_ctx).View(pod);

        var c = Assert.Single(seen.Containers);
        Assert.Equal((ContainerState.Exited, (int?)255, "Error"), (c.State, c.ExitCode, c.Reason));
        Assert.Equal("the container's process is gone and no exit status was recorded", c.Message);
        Assert.Equal(PodState.Failed, seen.Pod.State); // restartPolicy Never
    }

    [Fact]
    public void After_a_reboot_every_running_container_is_unknown_not_an_error()
    {
        var pod = RunningPod(5, _ => "core3") with { BootId = "an-earlier-boot" };
        _ctx.Store.UpdatePod(pod);
        CoreContainer(pod, "core3");

        var seen = new PodStatus(_ctx).View(pod);

        var c = Assert.Single(seen.Containers);
        Assert.Equal((ContainerState.Exited, (int?)255, "Unknown"), (c.State, c.ExitCode, c.Reason));
        Assert.Equal(PodState.Failed, seen.Pod.State);
        Assert.Contains("the node restarted", seen.Pod.Reason, StringComparison.Ordinal);
    }

    // Each container: null = still running, otherwise its exit code.
    [Theory]
    [InlineData("0", 0)]
    [InlineData("137\n", 137)]
    [InlineData(" 1 ", 1)]
    [InlineData("-1", -1)]
    public void ExitOf_reads_the_decimal_status_and_file_time(string text, int code)
    {
        using var dir = new TestDir();
        var file = dir.Write("exit", text);
        var when = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(file, when);

        var exit = PodStatus.ExitOf(file);

        Assert.NotNull(exit);
        Assert.Equal(code, exit.Value.Code);
        Assert.Equal(new DateTimeOffset(when), exit.Value.Time);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("12abc")]
    [InlineData("1.5")]
    public void ExitOf_a_partial_or_garbage_file_is_not_an_exit(string text)
    {
        using var dir = new TestDir();
        Assert.Null(PodStatus.ExitOf(dir.Write("exit", text)));
    }

    [Fact]
    public void ExitOf_a_missing_file_is_not_an_exit()
    {
        using var dir = new TestDir();
        Assert.Null(PodStatus.ExitOf(dir["exit"]));
    }

    /// <summary>The runtime core's records of the pod's sandbox and of container <paramref name="id"/>, started with a process that no longer runs.</summary>
    private void CoreContainer(PodRecord pod, string id)
    {
        _ctx.Store.CreateSandbox(new SandboxEntry
        {
            Id = pod.Id,
            Config = new SandboxConfig { Name = pod.Name, Namespace = pod.Namespace, Uid = pod.Uid, Hostname = pod.Name, Owner = Owner.Play },
        });
        var entry = _ctx.Store.CreateContainer(new ContainerEntry
        {
            Id = id, SandboxId = pod.Id, Config = new ContainerConfig { Name = "app", Image = "i" }, ImageId = "sha256:1", ImageRef = "i", LogPath = "/l/0.log",
        });
        // PID 2^22 + 1 is above the kernel's pid_max limit (PID_MAX_LIMIT, include/linux/threads.h): never a process.
        _ctx.Store.UpdateContainer(entry with { State = CtrState.Running, Pid = 4194305, Started = DateTimeOffset.UtcNow });
    }

    /// <summary>A running one-container pod (restartPolicy Never) whose container "app" is recorded running under the ID <paramref name="containerId"/> gives.</summary>
    private PodRecord RunningPod(int seed, Func<string, string> containerId)
    {
        var plan = Plans.Pod(containers: Plans.Container(command: ["true"])) with { RestartPolicy = RestartPolicy.Never };
        var pod = _ctx.Store.CreatePod(new PodRecord
        {
            Id = Plans.PodId(seed), Name = plan.Name, Namespace = plan.Namespace, Uid = plan.Uid, PlanJson = JsonSerializer.Serialize(plan),
        }) with { State = PodState.Running };
        _ctx.Store.UpdatePod(pod);
        _ctx.Store.SaveContainer(new ContainerRecord { Id = containerId(pod.Id), PodId = pod.Id, Name = "app", Image = "i", State = ContainerState.Running, Pid = 1 }, 0);
        return pod;
    }
}
