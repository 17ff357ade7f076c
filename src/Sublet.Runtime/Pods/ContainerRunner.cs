using Sublet.Linux;
using Sublet.Runtime.Monitor;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Plan;
using Sublet.Runtime.Rootfs;
using Sublet.Runtime.State;

namespace Sublet.Runtime.Pods;

/// <summary>
/// Starts one container of a running sandbox — the first time or again after it ended (a
/// restart gets a fresh writable layer, as a new kubelet container does).
/// </summary>
public sealed class ContainerRunner
{
    private static readonly TimeSpan CreateTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PostStartTimeout = TimeSpan.FromMinutes(2);
    private readonly RuntimeContext _ctx;

    public ContainerRunner(RuntimeContext ctx) => _ctx = ctx;

    public ContainerRecord Start(PodPlan plan, PodRecord pod, ContainerPlan container, ContainerRecord? previous)
    {
        var image = _ctx.Images.Get(container.Image);
        var paths = _ctx.Paths(pod.Id);
        var id = paths.ContainerId(container.Name);
        var ordinal = Ordinal(plan, container);
        var runDir = paths.ContainerRunDir(container.Name);
        var stateDir = paths.ContainerStateDir(container.Name);
        if (previous is not null)
        {
            Clear(id, runDir, stateDir);
        }
        Directory.CreateDirectory(runDir);
        Directory.CreateDirectory(stateDir);
        Directories.PodOnly(Path.GetDirectoryName(runDir)!, pod.Ids);
        Directories.PodOnly(runDir, pod.Ids);
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

        var rootfs = Path.Combine(runDir, "rootfs");
        var rootfsChoice = _ctx.RootfsPlanner.Choose(pod.Ids is not null);
        var lowers = RootfsPlanner.Lowers(rootfsChoice, _ctx.Images.LayerPaths(image), pod.Ids, _ctx.LayerCopies);
        _ctx.Rootfs.Prepare(
            new RootfsRequest(_ctx.Images.LayersRoot, lowers, rootfs, Path.Combine(Directories.Private(Path.Combine(runDir, "lower")), "layers"), stateDir),
            pod.Ids, rootfsChoice.Kind == RootfsKind.IdmappedLayers ? () => SafeFd.OpenReadOnly(_ctx.Proc.NamespacePath(pod.PausePid!.Value, "user")) : null);

        var imageFiles = new ImageFiles(_ctx.RootedFiles);
        var user = UserResolver.Resolve(container, image.Config.User,
            imageFiles.Read(rootfs, "/etc/passwd", container.Name, image.Reference), imageFiles.Read(rootfs, "/etc/group", container.Name, image.Reference));
        // status.podIP(s) variables, and the $(VAR)s that refer to them, get the pod's addresses now that its network is up.
        container = PodFieldExpansion.Apply(container, new PodNetworking(_ctx).Ips(pod.Id));
        var spec = PlayContainer.Spec(plan, pod.Id, container, id, image.Config, user, rootfs, new SandboxNamespaces(pod.PausePid!.Value), pod.Ids);
        spec.Mounts.AddRange(new Volumes.VolumeBuilder(_ctx).Mounts(plan, pod, container));
        spec.Mounts.AddRange(new EtcFiles(_ctx).Mounts(pod, container));
        spec.Mounts.AddRange(new TerminationMessages(_ctx).Prepare(pod, container));
        spec.Annotations?[RootfsChoice.Annotation] = rootfsChoice.Describe(); // for `sublet inspect`
        spec = spec with { Linux = spec.Linux with { RootfsPropagation = Volumes.MountOptions.RootfsPropagation(container) } };
        SpecFile.Write(runDir, spec);

        var pid = _ctx.Conmon.Create(id, container.Name, _ctx.Oci,
            new ConmonPaths(runDir, stateDir, paths.LogPath(container.Name),
                Directories.Shared(PodPaths.ExitDir(_ctx.Config.RunRoot)), Directories.Shared(PodPaths.SocketDir(_ctx.Config.RunRoot))),
            _ctx.ExitHook is { } hook ? hook with { Args = [.. hook.Args, id] } : null, CreateTimeout,
            new ConmonStdio(container.Stdin, container.StdinOnce, container.Tty));
        StdioPermissions.Open(_ctx.Proc, pid);
        _ctx.Oci.Start(id);
        record = record with { State = ContainerState.Running, Pid = pid, Started = _ctx.Time.GetUtcNow() };
        _ctx.Store.SaveContainer(record, ordinal);
        if (container.PostStart is { } postStart && new LifecycleHooks(_ctx).Run(id, postStart, PostStartTimeout) is { } failure)
        {
            // kubelet: a failed postStart hook kills the container (FailedPostStartHook); its exit then follows the restart policy.
            File.AppendAllText(paths.LogPath(container.Name), $"{_ctx.Time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffffffZ} stderr F sublet: postStart hook failed: {failure}\n");
            _ctx.Oci.Kill(id, "KILL");
        }
        return record;
    }

    /// <summary>Position of a container in the pod: init containers first, then app containers.</summary>
    public static int Ordinal(PodPlan plan, ContainerPlan container)
    {
        var all = plan.InitContainers.Concat(plan.Containers).ToList();
        return all.FindIndex(c => c.Name == container.Name);
    }

    /// <summary>What the previous run left: its runc container, its rootfs mounts, its writable layer and exit file. The log is kept (kubelet keeps the previous log too).</summary>
    private void Clear(string id, string runDir, string stateDir)
    {
        _ctx.Oci.Delete(id);
        foreach (var mount in _ctx.Mounter.MountPointsUnder(runDir))
        {
            _ctx.Mounter.Unmount(mount);
        }
        Directories.Remove(runDir);
        Directories.Remove(Path.Combine(stateDir, "upper"));
        Directories.Remove(Path.Combine(stateDir, "work"));
        File.Delete(Path.Combine(stateDir, "exit"));
        PodPaths.DeleteExitFile(_ctx.Config.RunRoot, id);
    }
}
