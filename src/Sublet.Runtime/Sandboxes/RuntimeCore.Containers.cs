using Sublet.Linux;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Monitor;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Rootfs;
using Sublet.Runtime.State;

namespace Sublet.Runtime.Sandboxes;

public sealed partial class RuntimeCore
{
    /// <summary>
    /// Creates a container in a ready sandbox: the name and attempt reserved, the rootfs (idmapped
    /// layers or a chown copy for a user namespace), the mounts prepared, and <c>runc create</c>
    /// through conmon. Not started. A failure removes what was made.
    /// </summary>
    /// <param name="options">An in-process front end's ID and exit command; null for CRI's clients.</param>
    public ContainerEntry CreateContainer(string sandboxId, ContainerConfig config, CreateOptions? options = null)
    {
        using var store = OpenStore();
        var sandbox = store.FindSandbox(sandboxId) ?? throw RuntimeError.NotFound($"sandbox \"{sandboxId}\" not found");
        if (View(sandbox).State != SandboxState.Ready)
        {
            throw RuntimeError.Precondition($"sandbox {sandboxId} is not ready (its pause process is stopped): containers can't join it");
        }
        var image = _ctx.Images.Find(config.Image) ?? throw RuntimeError.NotFound($"image \"{config.Image}\" not found: pull it first");
        var devices = ContainerDevices.Resolve(config.Name, config.Devices, _ctx.DeviceFiles);
        var id = options?.Id ?? NewId();
        var paths = Paths(sandboxId);
        config = config with { StopSignal = config.StopSignal ?? image.Config.StopSignal };
        using var held = Lock(sandboxId);
        var entry = store.CreateContainer(new ContainerEntry
        {
            Id = id, SandboxId = sandboxId, Config = config, ImageId = image.Id, ImageRef = image.Reference,
            LogPath = config.LogPath ?? paths.ContainerLog(id),
        });
        try
        {
            var runDir = paths.ContainerRunDir(id);
            var stateDir = paths.ContainerStateDir(id);
            Directories.PodOnly(Path.GetDirectoryName(runDir)!, sandbox.Ids);
            Directories.PodOnly(runDir, sandbox.Ids);
            Directory.CreateDirectory(stateDir);

            var rootfs = Path.Combine(runDir, "rootfs");
            var choice = _ctx.RootfsPlanner.Choose(sandbox.Ids is not null);
            var lowers = RootfsPlanner.Lowers(choice, _ctx.Images.LayerPaths(image), sandbox.Ids, _ctx.LayerCopies);
            _ctx.Rootfs.Prepare(
                new RootfsRequest(_ctx.Images.LayersRoot, lowers, rootfs, Path.Combine(Directories.Private(Path.Combine(runDir, "lower")), "layers"), stateDir),
                sandbox.Ids, choice.Kind == RootfsKind.IdmappedLayers ? () => SafeFd.OpenReadOnly(_ctx.Proc.NamespacePath(sandbox.PausePid!.Value, "user")) : null);

            var files = new ImageFiles(_ctx.RootedFiles);
            var user = UserResolver.Resolve(config.Name, config.Security, config.Security.RunAsUsername ?? image.Config.User,
                files.Read(rootfs, "/etc/passwd", config.Name, image.Reference), files.Read(rootfs, "/etc/group", config.Name, image.Reference));
            var mounts = new CoreMounts(_ctx, paths, sandbox).Prepare(id, config with { Mounts = [.. config.Mounts, .. EtcBinds(sandbox, config)] });
            var spec = CoreSpecs.Container(sandboxId, sandbox.Config, id, config, image.Config, user, rootfs,
                new SandboxNamespaces(sandbox.PausePid!.Value), mounts, HostLimits.Current, devices);
            spec.Annotations?[RootfsChoice.Annotation] = choice.Describe();
            SpecFile.Write(runDir, spec);

            Directory.CreateDirectory(Path.GetDirectoryName(entry.LogPath)!);
            var exitHook = options?.ExitHook is { } hook ? hook with { Args = [.. hook.Args, id] } : null;
            var pid = _ctx.Conmon.Create(id, config.Name, _ctx.Oci, ConmonPaths(runDir, stateDir, entry.LogPath), exitHook, CreateTimeout,
                new ConmonStdio(config.Stdin, config.StdinOnce, config.Tty));
            StdioPermissions.Open(_ctx.Proc, pid);
            entry = entry with { Pid = pid };
            store.UpdateContainer(entry);
            return entry;
        }
        catch
        {
            RemoveContainerLocked(store, entry, CoreSpecs.CgroupParent(sandboxId, sandbox.Config));
            throw;
        }
    }

    /// <summary>
    /// /etc/hostname, /etc/resolv.conf and /etc/hosts where the client mounts nothing (containerd
    /// linuxContainerMounts): read-only with a read-only rootfs, hosts always writable; idmapped per
    /// container like any client mount, nosuid and nodev (stricter than containerd: nothing in them is meant to run).
    /// </summary>
    private IEnumerable<MountSpec> EtcBinds(SandboxEntry sandbox, ContainerConfig config)
    {
        var taken = config.Mounts.Select(m => "/" + m.ContainerPath.Trim('/')).ToHashSet(StringComparer.Ordinal);
        return EtcContent.Names.Where(n => !taken.Contains("/etc/" + n)).Select(name =>
            new MountSpec("/etc/" + name, EtcFile(sandbox, name), ReadOnly: name != "hosts" && config.Security.ReadOnlyRootfs, MountPropagation.None,
                Idmapped: sandbox.Ids is not null) { NoSuid = true, NoDev = true });
    }

    public void StartContainer(string id)
    {
        using var store = OpenStore();
        var entry = store.FindContainer(id) ?? throw RuntimeError.NotFound($"container \"{id}\" not found");
        using var held = Lock(entry.SandboxId);
        var view = ViewOf(entry);
        if (view.State != CtrState.Created)
        {
            throw RuntimeError.Precondition($"container {id} is {view.State.ToString().ToUpperInvariant()}, not CREATED: only a created container can be started");
        }
        try
        {
            _ctx.Oci.Start(id);
        }
        catch (RuntimeFailure e)
        {
            store.UpdateContainer(entry with { State = CtrState.Exited, Reason = "StartError", Message = e.Message });
            throw new RuntimeError(ErrorKind.Internal, $"starting container {id}: {e.Message}", e);
        }
        store.UpdateContainer(entry with { State = CtrState.Running, Started = _ctx.Time.GetUtcNow() });
    }

    /// <summary>
    /// The stop signal, then SIGKILL after <paramref name="timeout"/> (0: SIGKILL at once). Stopped
    /// or gone already is fine. A stop changes no record, so stops share the sandbox's lock: a pod's
    /// containers stop side by side, as the kubelet stops them (killContainersWithSyncResult, one
    /// goroutine each), while a create, start or removal waits for them.
    /// </summary>
    public void StopContainer(string id, TimeSpan timeout)
    {
        using var store = OpenStore();
        if (store.FindContainer(id) is not { } entry)
        {
            return;
        }
        using var held = Lock(entry.SandboxId, shared: true);
        if (timeout > TimeSpan.Zero && ViewOf(entry).State == CtrState.Running)
        {
            if (Kill(entry, entry.Config.StopSignal ?? "TERM", timeout))
            {
                return;
            }
        }
        Kill(entry, "KILL", KillWait);
    }

    /// <summary>Sends <paramref name="signal"/> to a created or running container and waits for its exit file; true when it ended.</summary>
    private bool Kill(ContainerEntry entry, string signal, TimeSpan wait)
    {
        var stateDir = Paths(entry.SandboxId).ContainerStateDir(entry.Id);
        var exitFile = Path.Combine(stateDir, "exit");
        // No PID: conmon never created it (a failed create), so there is nothing to signal or wait for.
        if (entry.Pid is null || File.Exists(exitFile) || ViewOf(entry).State is not (CtrState.Created or CtrState.Running))
        {
            return true;
        }
        _ctx.Oci.Kill(entry.Id, signal.StartsWith("SIG", StringComparison.Ordinal) ? signal[3..] : signal);
        return WaitForExit(stateDir, entry.Pid, wait);
    }

    /// <summary>Kills the container if it runs, deletes it from runc, unmounts and removes its files and record. Its log stays (the kubelet removes logs). Gone already is fine.</summary>
    public void RemoveContainer(string id)
    {
        using var store = OpenStore();
        if (store.FindContainer(id) is not { } entry)
        {
            return;
        }
        using var held = Lock(entry.SandboxId);
        RemoveContainerLocked(store, entry, store.FindSandbox(entry.SandboxId) is { } sandbox ? CoreSpecs.CgroupParent(sandbox.Id, sandbox.Config) : null);
    }

    /// <param name="cgroupParent">The sandbox's cgroup parent; null when the sandbox's record is gone (its cgroups went with it).</param>
    /// <param name="sandboxMounts">
    /// The mount points under the sandbox's run directory, read once by a caller that removes every
    /// container (deepest first); null: this container's are read. The mount table grows with the
    /// node's pods, so reading it twice per container made a pod's removal slower as the node filled.
    /// </param>
    private void RemoveContainerLocked(StateStore store, ContainerEntry entry, string? cgroupParent, IReadOnlyList<string>? sandboxMounts = null)
    {
        Kill(entry, "KILL", KillWait);
        var paths = Paths(entry.SandboxId);
        // A container a play pod's remover deleted already: asking runc again would cost a process.
        if (_ctx.Oci.Exists(entry.Id))
        {
            _ctx.Oci.Delete(entry.Id);
        }
        // A create its caller was killed in can leave runc's init in the leaf with no state runc knows.
        if (cgroupParent is not null)
        {
            PodCgroups.RemoveLeaf($"{cgroupParent}/{entry.Id}");
        }
        var runDir = paths.ContainerRunDir(entry.Id);
        var stageDir = CoreMounts.StageDir(paths, entry.Id);
        var mounts = sandboxMounts is null
            ? _ctx.Mounter.MountPointsUnder(runDir).Concat(_ctx.Mounter.MountPointsUnder(stageDir))
            : sandboxMounts.Where(m => IsAtOrBelow(m, runDir) || IsAtOrBelow(m, stageDir));
        foreach (var mount in mounts)
        {
            _ctx.Mounter.Unmount(mount);
        }
        Directories.Remove(runDir);
        Directories.Remove(CoreMounts.StageDir(paths, entry.Id));
        // The writable layer and exit file; a log Sublet chose goes with them, a client's log_path stays.
        Directories.Remove(paths.ContainerStateDir(entry.Id));
        PodPaths.DeleteExitFile(_ctx.Config.RunRoot, entry.Id);
        store.DeleteContainer(entry.Id);
    }

    public ContainerView ContainerStatus(string id)
    {
        using var store = OpenStore();
        var entry = store.FindContainer(id) ?? throw RuntimeError.NotFound($"container \"{id}\" not found");
        // The identity comes from the OCI config: read for a status call only, not for every list, stop or exec.
        return ViewOf(entry) with { User = UserOf(Paths(entry.SandboxId).ContainerRunDir(entry.Id)) };
    }

    /// <summary>The IDs of the containers recorded in sandbox <paramref name="sandboxId"/>, whatever their state (play's remover matches runc's list against them).</summary>
    public IReadOnlySet<string> ContainerIds(string sandboxId)
    {
        using var store = OpenStore();
        return store.SandboxContainers(sandboxId).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
    }

    public IReadOnlyList<ContainerView> ListContainers(Owner owner)
    {
        using var store = OpenStore();
        var sandboxes = store.Sandboxes(owner).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        return [.. store.SandboxContainers().Where(c => sandboxes.Contains(c.SandboxId)).Select(ViewOf)];
    }

    public IReadOnlyList<ContainerView> ContainersOf(string sandboxId)
    {
        using var store = OpenStore();
        return [.. store.SandboxContainers(sandboxId).Select(ViewOf)];
    }

    public IReadOnlyList<string> ContainerIds(Owner owner, string prefix, int limit)
    {
        using var store = OpenStore();
        return store.ContainerIds(owner, prefix, limit);
    }

    /// <summary>
    /// What <paramref name="entry"/>'s files say now (<see cref="ContainerViews"/>), for a reader
    /// that already holds the records: play's status reads them with its pods' (one store read).
    /// </summary>
    public ContainerView ViewOf(ContainerEntry entry)
    {
        var stateDir = Paths(entry.SandboxId).ContainerStateDir(entry.Id);
        // Between the process's end and conmon's exit file there is a moment: while conmon lives, its
        // status is still coming. Liveness first, then the file: conmon writes it before it exits,
        // so one found gone has left its file for the read that follows. The other order misread a
        // conmon that wrote its file and exited between the two reads (1 in 40 pods under load).
        var monitored = Lives(entry.Pid) || Lives(ConmonPid(stateDir));
        var (code, time) = ReadExit(Path.Combine(stateDir, "exit"));
        var alive = code is null && monitored;
        var oom = code == 137 && Cgroups().OomKilled($"{SandboxCgroupParent(entry.SandboxId)}/{entry.Id}");
        return ContainerViews.Decide(entry, new ProcessFacts(code, time, alive, oom));
    }

    /// <summary>process.user of the container's OCI config: what its first process runs as.</summary>
    private static ResolvedUser? UserOf(string bundle)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(bundle, "config.json")));
            var user = doc.RootElement.GetProperty("process").GetProperty("user");
            var groups = user.TryGetProperty("additionalGids", out var g) && g.ValueKind == System.Text.Json.JsonValueKind.Array
                ? g.EnumerateArray().Select(x => x.GetUInt32()).ToList() : [];
            return new ResolvedUser(user.GetProperty("uid").GetUInt32(), user.GetProperty("gid").GetUInt32(), groups);
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    private static Linux.CgroupFs Cgroups() => new();

    private bool Lives(int? pid) => pid is { } p && _ctx.Proc.IsAlive(p) && !_ctx.Proc.IsZombie(p);

    /// <summary>conmon's PID from its --conmon-pidfile; null when there is none.</summary>
    private static int? ConmonPid(string stateDir)
    {
        try
        {
            return int.TryParse(File.ReadAllText(Path.Combine(stateDir, "conmon.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private string SandboxCgroupParent(string sandboxId)
    {
        using var store = OpenStore();
        return store.FindSandbox(sandboxId) is { } s ? CoreSpecs.CgroupParent(s.Id, s.Config) : CgroupResources.PodParent(sandboxId);
    }

    private static bool IsAtOrBelow(string path, string dir) => path == dir || path.StartsWith(dir + "/", StringComparison.Ordinal);
}
