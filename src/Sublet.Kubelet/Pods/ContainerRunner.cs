using Sublet.Kubelet.Plan;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Sandboxes;
using Sublet.Runtime.State;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// Starts one container of a running play pod — the first time or again after it ended — the way
/// a kubelet starts one through CRI: the previous attempt removed (a restart gets a fresh writable
/// layer, as a new kubelet container does), then CreateContainer and StartContainer on the runtime
/// core with every value final. What stays play's is the kubelet's part: the restart count and
/// last state, the volumes and files it hands over as mounts, and the postStart hook.
/// </summary>
public sealed class ContainerRunner
{
    private static readonly TimeSpan PostStartTimeout = TimeSpan.FromMinutes(2);
    private readonly RuntimeContext _ctx;

    public ContainerRunner(RuntimeContext ctx) => _ctx = ctx;

    public ContainerRecord Start(PodPlan plan, PodRecord pod, ContainerPlan container, ContainerRecord? previous)
    {
        var image = _ctx.Images.Get(container.Image);
        var paths = _ctx.Paths(pod.Id);
        var core = new RuntimeCore(_ctx);
        // Each attempt is a new container with an ID of its own, as the kubelet's restarts are.
        var id = RuntimeCore.NewId();
        var ordinal = Ordinal(plan, container);
        if (previous is not null)
        {
            core.RemoveContainer(previous.Id);
            // A container an older sublet started has no record in the core: runc still knows it.
            if (_ctx.Oci.Exists(previous.Id))
            {
                _ctx.Oci.Delete(previous.Id);
            }
        }
        ClearSubPaths(paths.SubPathDir(container.Name));
        // Before anything can fail: a start error goes into this log (PodSyncer), where `play --wait` shows it.
        Directory.CreateDirectory(paths.KubeletContainerDir(container.Name));
        var record = new ContainerRecord
        {
            Id = id, PodId = pod.Id, Name = container.Name, Image = image.Reference, ImageId = image.Id, State = ContainerState.Created,
            RestartCount = previous is null ? 0 : previous.RestartCount + 1,
            LastExitCode = previous?.ExitCode ?? previous?.LastExitCode,
            LastFinished = previous?.Finished ?? previous?.LastFinished,
            LastReason = previous?.Reason ?? previous?.LastReason,
            // The message belongs to the run that ended, even when it had none.
            LastMessage = previous is null ? null : previous.ExitCode is not null ? previous.Message : previous.LastMessage,
        };
        _ctx.Store.SaveContainer(record, ordinal);
        ContainerLogs.Prune(paths, container.Name, record.RestartCount);

        RunAsNonRoot.Verify(plan, container, image.Config.User);
        // status.podIP(s) variables, and the $(VAR)s that refer to them, get the pod's addresses now that its network is up.
        container = PodFieldExpansion.Apply(container, new PodNetworking(_ctx).Ips(pod.Id));
        var config = PlayContainer.For(plan, container, image.Config) with
        {
            Attempt = checked((uint)record.RestartCount),
            Mounts =
            [
                .. new Volumes.VolumeBuilder(_ctx).Mounts(plan, pod, container),
                .. new EtcFiles(_ctx).Mounts(pod, container),
                .. new TerminationMessages(_ctx).Prepare(pod, container),
            ],
            // One log per attempt, as the kubelet keeps them (`sublet logs --previous` reads the one before).
            LogPath = paths.LogPath(container.Name, record.RestartCount),
        };
        var entry = core.CreateContainer(pod.Id, config, new CreateOptions { Id = id, ExitHook = _ctx.ExitHook });
        core.StartContainer(id);
        record = record with { State = ContainerState.Running, Pid = entry.Pid, Started = _ctx.Time.GetUtcNow() };
        _ctx.Store.SaveContainer(record, ordinal);
        if (container.PostStart is { } postStart && new LifecycleHooks(_ctx).Run(id, postStart, PostStartTimeout) is { } failure)
        {
            // kubelet: a failed postStart hook kills the container (FailedPostStartHook); its exit then follows the restart policy.
            File.AppendAllText(paths.LogPath(container.Name, record.RestartCount), $"{_ctx.Time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffffffZ} stderr F sublet: postStart hook failed: {failure}\n");
            core.StopContainer(id, TimeSpan.Zero);
        }
        return record;
    }

    /// <summary>Position of a container in the pod: init containers first, then app containers.</summary>
    public static int Ordinal(PodPlan plan, ContainerPlan container)
    {
        var all = plan.InitContainers.Concat(plan.Containers).ToList();
        return all.FindIndex(c => c.Name == container.Name);
    }

    /// <summary>The subPath binds staged for the previous attempt (or a start that failed before the core had them).</summary>
    private void ClearSubPaths(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return;
        }
        foreach (var mount in _ctx.Mounter.MountPointsUnder(dir))
        {
            _ctx.Mounter.Unmount(mount);
        }
        Directories.Remove(dir);
    }
}
