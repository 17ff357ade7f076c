using Sublet.Linux.Processes;
using Sublet.Runtime.Pods;
using Sublet.Runtime.State;

namespace Sublet.Runtime.Sandboxes;

public sealed partial class RuntimeCore
{
    /// <summary>How long conmon gets to leave once its container has ended (it runs its exit command first).</summary>
    private static readonly TimeSpan ConmonExitWait = TimeSpan.FromSeconds(10);

    /// <summary>Stops every container (SIGKILL: the kubelet stopped them gracefully before) and the pause process; the sandbox stays until removed. Gone already is fine.</summary>
    public void StopSandbox(string id)
    {
        using var store = OpenStore();
        if (store.FindSandbox(id) is not { } entry)
        {
            return;
        }
        using var held = Lock(id);
        Parallel.ForEach(store.SandboxContainers(id), container => Kill(container, "KILL", KillWait));
        KillPause(entry, askRunc: true);
        // containerd tears the network down at stop (sandbox_stop.go); the pins go with it.
        TearDownNetwork(id);
        store.UpdateSandbox(entry with { State = SandboxState.NotReady });
    }

    /// <summary>
    /// The recorded pause process itself when it still runs (a pidfd: no `runc kill` process, which
    /// costs tens of milliseconds on a teardown's path), then its exit, as conmon records it.
    /// </summary>
    /// <param name="askRunc">Without such a process, ask runc, which knows the container if the record does not.</param>
    private void KillPause(SandboxEntry entry, bool askRunc)
    {
        var paths = Paths(entry.Id);
        if (!File.Exists(Path.Combine(paths.SandboxBundle, "config.json")))
        {
            return; // never created
        }
        if (!(entry.PausePid is int pid && entry.PauseStartTime is { } start
              && Posix.SignalExact(pid, start, entry.BootId, Posix.SIGKILL, _ctx.Proc)))
        {
            if (!askRunc)
            {
                return;
            }
            _ctx.Oci.Kill(entry.Id, "KILL");
        }
        WaitForExit(paths.SandboxStateDir, entry.PausePid, KillWait);
    }

    /// <summary>
    /// Removes the containers, the pause container, every mount and directory, the cgroup Sublet
    /// made, and the record with its range. Gone already is fine. A directory the kernel will not
    /// let go (a mount Sublet did not make, say) is moved aside and named, and the removal goes on:
    /// a sandbox that can never be removed would hold its ID range for ever.
    /// </summary>
    public void RemoveSandbox(string id)
    {
        using var store = OpenStore();
        if (store.FindSandbox(id) is not { } entry)
        {
            return;
        }
        using (Lock(id))
        {
            var cgroupParent = CoreSpecs.CgroupParent(id, entry.Config);
            var paths = Paths(id);
            var containers = store.SandboxContainers(id);
            // Every process ends first, so the runc deletes are independent: they run together
            // (each is a runc process; `delete --force` of a running container sleeps 100 ms after
            // its SIGKILL, runc 1.1 delete.go, hence the kills).
            Parallel.ForEach(containers, c => Kill(c, "KILL", KillWait));
            // A sandbox removed without a stop (a failed start, a client that skips StopPodSandbox):
            // `runc delete --force` below kills what the record does not name.
            if (entry.State == SandboxState.Ready)
            {
                KillPause(entry, askRunc: false);
            }
            Parallel.ForEach(containers.Select(c => c.Id).Append(id).Where(_ctx.Oci.Exists), _ctx.Oci.Delete);
            WaitForMonitors(paths, containers);
            var mounts = _ctx.Mounter.MountPointsUnder(paths.RunDir);
            foreach (var container in containers)
            {
                RemoveContainerLocked(store, container, cgroupParent, mounts);
            }
            TearDownNetwork(id);
            foreach (var mount in _ctx.Mounter.MountPointsUnder(paths.RunDir))
            {
                _ctx.Mounter.Unmount(mount);
            }
            PodTrees.RemoveOrMoveAside(_ctx, Who(entry), id, paths.RunDir, _ctx.Config.RunRoot);
            PodPaths.DeleteExitFile(_ctx.Config.RunRoot, id);
            if (entry.Config.CgroupParent is not { Length: > 0 })
            {
                PodCgroups.Remove(id);
            }
            else
            {
                // The parent is the kubelet's; the pause leaf is Sublet's.
                PodCgroups.RemoveLeaf($"{cgroupParent}/{id}");
            }
            store.DeleteSandbox(id);
            // The state tree's trash stays on the pods' nosuid mount: rename(2) can't leave a mount (EXDEV).
            PodTrees.RemoveOrMoveAside(_ctx, Who(entry), id, paths.StateDir, PodPaths.StatePods(_ctx.Config.StateRoot));
        }
    }

    /// <summary>
    /// conmon leaves once its container has ended and its exit command has run; one still here
    /// after <see cref="ConmonExitWait"/> is killed (it is ours: its pid file is in the sandbox's
    /// state and the process is named conmon). Only the pid files conmon writes are read: the rest
    /// of the state directory may hold a pod's emptyDir, whose contents the pod controls.
    /// </summary>
    private void WaitForMonitors(PodPaths paths, IReadOnlyList<ContainerEntry> containers)
    {
        var pids = containers.Select(c => paths.ContainerStateDir(c.Id)).Prepend(paths.SandboxStateDir)
            .Select(ConmonPid).OfType<int>().Where(p => p > 0).ToList();
        var deadline = DateTime.UtcNow + ConmonExitWait;
        while (pids.Exists(IsConmon) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5);
        }
        foreach (var pid in pids.Where(IsConmon))
        {
            Posix.Kill(pid, Posix.SIGKILL);
        }
    }

    /// <summary>How warnings name a sandbox: as <c>sublet ps</c> lists a play pod, namespace/name for one a kubelet made.</summary>
    private static string Who(SandboxEntry entry) =>
        entry.Config.Owner == Owner.Play ? $"pod/{entry.Config.Name}" : $"pod {entry.Config.Namespace}/{entry.Config.Name}";

    private bool IsConmon(int pid) => Lives(pid) && _ctx.Proc.Comm(pid) == "conmon";
}
