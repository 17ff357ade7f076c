using Sublet.Linux.Processes;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Sandboxes;
using Sublet.Runtime.State;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// Stops and removes a pod from whatever state it is in — running, half started, or left by a
/// killed <c>sublet</c> — as a kubelet does through CRI: preStop hooks, then StopContainer for
/// every container at once with the grace period, then StopPodSandbox and RemovePodSandbox on the
/// runtime core, which removes what exists (runc's containers, mounts under the pod's run
/// directory, conmon's processes), not only what was recorded. What the core has no record of (a
/// pod whose start was killed before its sandbox was recorded, or one an older sublet started,
/// whose containers are named POD-NAME) is swept here from what runc and the pod's trees hold.
/// </summary>
public sealed class PodRemover
{
    private static readonly TimeSpan ConmonExitWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(15);
    private readonly RuntimeContext _ctx;

    public PodRemover(RuntimeContext ctx) => _ctx = ctx;

    /// <param name="afterStop">Runs once the containers have stopped, before anything is deleted (e.g. to read their last log lines).</param>
    public void Remove(PodRecord pod, TimeSpan grace, Action? afterStop = null)
    {
        var paths = _ctx.Paths(pod.Id);
        // Take turns with exit hooks (PodSyncer), so none starts a container while the pod goes away;
        // but a hook that hangs must not make the pod impossible to remove.
        using var held = PodLock.ForRemoval(paths, LockWait);
        SyncWaiters.Stop(paths, _ctx.Proc);
        var core = new RuntimeCore(_ctx);
        var recorded = core.ContainerIds(pod.Id);
        var sandbox = _ctx.Store.FindSandbox(pod.Id) is not null;
        // runc's containers of this pod that the core does not know: an older sublet's POD-NAME, and
        // the pause of a pod whose sandbox was never recorded.
        var unrecorded = _ctx.Oci.List()
            .Where(id => !recorded.Contains(id) && (id.StartsWith(pod.Id + "-", StringComparison.Ordinal) || (id == pod.Id && !sandbox))).ToList();
        var legacy = unrecorded.Where(id => id != pod.Id).ToList();

        // One whose recorded process has ended (a `true` that ran, say) gets no hook nor signal.
        var gone = Gone(pod);
        var live = recorded.Concat(legacy).Where(id => !gone.Contains(id)).ToList();
        var deadline = _ctx.Time.GetUtcNow() + grace;
        RunPreStopHooks(pod, live, grace);
        // Every container at once: its stop signal, then SIGKILL when the grace period is over, as
        // the kubelet stops a pod's containers (a goroutine each). POD-NAME containers through runc.
        var legacyStopped = Signal(legacy.Where(live.Contains).ToList(), id => StopSignal(pod, id), deadline - _ctx.Time.GetUtcNow());
        var remaining = deadline - _ctx.Time.GetUtcNow();
        Parallel.ForEach(live.Where(recorded.Contains), id => core.StopContainer(id, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero));
        if (afterStop is not null)
        {
            // A process that has ended may still have output in its pipe: conmon writes the exit
            // file once it has drained it into the log, so the last words are there to read.
            WaitForExitFiles(live.Where(id => recorded.Contains(id) ? File.Exists(paths.ExitFile(id)) : legacyStopped.Exists(s => s.Id == id && !IsRunning(s.Pid))));
            afterStop();
        }
        Signal(legacy, _ => "KILL", KillWait);
        // The sandbox with its pause, network, containers, mounts, trees, cgroups, record and range.
        // Before the pod's record, so a failure here leaves the pod for `sublet down` to try again.
        core.StopSandbox(pod.Id);
        core.RemoveSandbox(pod.Id);
        if (unrecorded.Count > 0 || !sandbox)
        {
            Sweep(pod, unrecorded, gone);
        }
        _ctx.Store.DeletePod(pod.Id);
        // The pod's chown copies of image layers go with the last pod holding its range.
        _ctx.LayerCopies.Release(_ctx.Store.Allocations().Select(a => a.Range));
    }

    /// <summary>
    /// What is left of a pod the core has no sandbox of, or of an older sublet's containers: runc's
    /// containers, the conmons, the network, the mounts under the run directory, the cgroups and trees.
    /// </summary>
    private void Sweep(PodRecord pod, IReadOnlyList<string> unrecorded, HashSet<string> gone)
    {
        var paths = _ctx.Paths(pod.Id);
        if (unrecorded.Contains(pod.Id) && !gone.Contains(pod.Id))
        {
            KillPause(pod);
        }
        // Every process has ended by now, so the deletes are independent: run them together.
        Parallel.ForEach(unrecorded, _ctx.Oci.Delete);
        WaitForMonitors(paths);
        new PodNetworking(_ctx).TearDown(pod.Id);
        foreach (var mount in _ctx.Mounter.MountPointsUnder(paths.RunDir))
        {
            _ctx.Mounter.Unmount(mount);
        }
        PodCgroups.Remove(pod.Id); // the pod's parent cgroups in every hierarchy: runc deleted only the leaves
        PodTrees.RemoveOrMoveAside(_ctx, $"pod/{pod.Name}", pod.Id, paths.RunDir, _ctx.Config.RunRoot);
        PodTrees.RemoveOrMoveAside(_ctx, $"pod/{pod.Name}", pod.Id, paths.StateDir, PodPaths.StatePods(_ctx.Config.StateRoot));
        foreach (var id in unrecorded)
        {
            PodPaths.DeleteExitFile(_ctx.Config.RunRoot, id);
        }
    }

    /// <summary>
    /// Containers whose recorded init process (ps's PID, the sandbox's pause) no longer runs. A
    /// recorded pid that still runs, or none recorded, is asked of the OCI runtime as before: a
    /// reused pid can only make us look, never skip a container that runs.
    /// </summary>
    private HashSet<string> Gone(PodRecord pod)
    {
        var recorded = _ctx.Store.Containers(pod.Id).Where(c => c.Pid is > 0).Select(c => (c.Id, Pid: c.Pid!.Value)).ToList();
        if (pod.PausePid is int pause && pause > 0)
        {
            recorded.Add((pod.Id, pause));
        }
        return recorded.Where(c => !IsRunning(c.Pid)).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// SIGKILL to the pause process recorded with the pod, straight through a pidfd when that very
    /// process (pid and start time) still runs: `runc kill` would cost a process on the teardown's
    /// path. A pod without that record (started by an older sublet, or killed while starting) asks runc.
    /// </summary>
    private void KillPause(PodRecord pod)
    {
        if (pod.PausePid is not (int pid and > 0) || pod.PauseStartTime is not { } start)
        {
            Signal([pod.Id], _ => "KILL", KillWait);
            return;
        }
        if (!Posix.SignalExact(pid, start, pod.BootId, Posix.SIGKILL, _ctx.Proc))
        {
            // Ended already, or recorded in another boot: runc knows whether the container still runs.
            if (pod.BootId != _ctx.Proc.BootId())
            {
                Signal([pod.Id], _ => "KILL", KillWait);
            }
            return;
        }
        var deadline = _ctx.Time.GetUtcNow() + KillWait;
        // The very process signalled: a pid reused meanwhile has another start time.
        while (_ctx.Proc.StartTime(pid) == start && IsRunning(pid) && _ctx.Time.GetUtcNow() < deadline)
        {
            Thread.Sleep(2);
        }
    }

    /// <summary>Signals the running containers among <paramref name="ids"/> and waits up to <paramref name="wait"/> for them to end.</summary>
    /// <returns>The containers signalled, with their processes.</returns>
    private List<(string Id, int Pid)> Signal(IReadOnlyList<string> ids, Func<string, string> signal, TimeSpan wait)
    {
        if (wait <= TimeSpan.Zero)
        {
            return [];
        }
        var running = new List<(string Id, int Pid)>();
        foreach (var id in ids)
        {
            if (_ctx.Oci.State(id) is { Status: "running" or "created" or "paused" } state)
            {
                _ctx.Oci.Kill(id, signal(id));
                running.Add((id, state.Pid));
            }
        }
        var deadline = _ctx.Time.GetUtcNow() + wait;
        while (running.Exists(c => IsRunning(c.Pid)) && _ctx.Time.GetUtcNow() < deadline)
        {
            Thread.Sleep(5);
        }
        return running;
    }

    /// <summary>Waits, up to <see cref="ConmonExitWait"/>, for conmon's exit file (--exit-dir) of each of <paramref name="ids"/>.</summary>
    private void WaitForExitFiles(IEnumerable<string> ids)
    {
        var files = ids.Select(id => Path.Combine(PodPaths.ExitDir(_ctx.Config.RunRoot), id)).ToList();
        var deadline = _ctx.Time.GetUtcNow() + ConmonExitWait;
        while (!files.TrueForAll(File.Exists) && _ctx.Time.GetUtcNow() < deadline)
        {
            Thread.Sleep(5);
        }
    }

    /// <summary>preStop handlers of running containers, in parallel, within the grace period (kubelet killContainer).</summary>
    private void RunPreStopHooks(PodRecord pod, IReadOnlyList<string> apps, TimeSpan grace)
    {
        if (grace <= TimeSpan.Zero)
        {
            return;
        }
        var plan = PodSyncer.PlanOf(pod);
        var hooks = new LifecycleHooks(_ctx);
        var ids = _ctx.Store.Containers(pod.Id).ToDictionary(c => c.Name, c => c.Id);
        var tasks = plan.InitContainers.Concat(plan.Containers)
            .Where(c => c.PreStop is not null && ids.TryGetValue(c.Name, out var id) && apps.Contains(id))
            .Select(c => (Id: ids[c.Name], Hook: c.PreStop!))
            .Where(c => _ctx.Oci.State(c.Id) is { Status: "running" })
            .Select(c => Task.Run(() => hooks.Run(c.Id, c.Hook, grace)))
            .ToArray();
        Task.WaitAll(tasks, grace);
    }

    /// <summary>The image's STOPSIGNAL (image-spec config.md), SIGTERM when it has none or is gone.</summary>
    private string StopSignal(PodRecord pod, string containerId)
    {
        var image = _ctx.Store.Containers(pod.Id).FirstOrDefault(c => c.Id == containerId)?.Image;
        var signal = image is null ? null : _ctx.Images.Find(image)?.Config.StopSignal;
        return string.IsNullOrWhiteSpace(signal) ? "TERM" : signal.Trim().ToUpperInvariant() is var s && s.StartsWith("SIG", StringComparison.Ordinal) ? s[3..] : signal.Trim();
    }

    // A zombie (exited, not yet reaped by conmon) counts as stopped.
    private bool IsRunning(int pid) => _ctx.Proc.IsAlive(pid) && !_ctx.Proc.IsZombie(pid);

    /// <summary>conmon exits once its container is gone; kill any that did not (it is ours: its pid file is in our pod directory).</summary>
    private void WaitForMonitors(PodPaths paths)
    {
        // Only where conmon writes them (the sandbox's and each container's state directory): the
        // rest of the pod's state directory holds emptyDir volumes, whose contents (symlinks to /,
        // planted conmon.pid files) belong to the pod and must not be walked or believed.
        var containers = Path.Combine(paths.StateDir, "c");
        var pidFiles = (Directory.Exists(containers) ? Directory.EnumerateDirectories(containers) : [])
            .Prepend(paths.SandboxStateDir)
            .Select(dir => Path.Combine(dir, "conmon.pid"))
            .Where(File.Exists)
            .ToList();
        var pids = pidFiles.Select(f => int.TryParse(File.ReadAllText(f).Trim(), out var p) ? p : 0).Where(p => p > 0).ToList();
        var deadline = _ctx.Time.GetUtcNow() + ConmonExitWait;
        while (pids.Exists(p => IsConmon(p)) && _ctx.Time.GetUtcNow() < deadline)
        {
            Thread.Sleep(20);
        }
        foreach (var pid in pids.Where(IsConmon))
        {
            Posix.Kill(pid, Posix.SIGKILL);
        }
    }

    private bool IsConmon(int pid) => _ctx.Proc.IsAlive(pid) && !_ctx.Proc.IsZombie(pid) && _ctx.Proc.Comm(pid) == "conmon";
}
