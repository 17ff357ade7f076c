using System.Text.Json;
using Sublet.IdMapping;
using Sublet.Images;
using Sublet.Linux;
using Sublet.Runtime.Monitor;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Plan;
using Sublet.Runtime.Rootfs;
using Sublet.Runtime.State;

namespace Sublet.Runtime.Pods;

/// <summary>
/// Starts a pod from its plan: record + ID range (one transaction), sandbox, then each container.
/// Any failure tears down everything this start made, including the range (ground rule 4).
/// </summary>
public sealed class PodStarter
{
    private static readonly TimeSpan CreateTimeout = TimeSpan.FromSeconds(60);
    private readonly RuntimeContext _ctx;

    public PodStarter(RuntimeContext ctx) => _ctx = ctx;

    public PodRecord Start(PodPlan plan, Func<IReadOnlyList<IdRange>, IdRange> allocate)
    {
        if (_ctx.Oci.Name == "crun" && new Sublet.Linux.CgroupLayout().CrunRefusal() is { } refusal)
        {
            throw new RuntimeFailure(refusal);
        }
        // Resolve images first: an unknown image must not cost an allocation.
        if (!plan.HostUsers)
        {
            Directories.RequireSearchableParents(_ctx.Config.RunRoot);
        }
        var images = plan.Containers.Select(c => _ctx.Images.Get(c.Image)).ToList();
        var podId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var record = _ctx.Store.CreatePod(new PodRecord
        {
            Id = podId, Name = plan.Name, Namespace = plan.Namespace, Uid = plan.Uid,
            PlanJson = JsonSerializer.Serialize(plan), State = PodState.Creating, BootId = _ctx.Proc.BootId(),
        }, plan.HostUsers ? null : allocate);
        try
        {
            record = StartSandbox(plan, record);
            for (var i = 0; i < plan.Containers.Count; i++)
            {
                StartContainer(plan, record, plan.Containers[i], images[i], i);
            }
            record = record with { State = PodState.Running };
            _ctx.Store.UpdatePod(record);
            return record;
        }
        catch (Exception startError)
        {
            try
            {
                new PodRemover(_ctx).Remove(record, TimeSpan.Zero);
            }
            catch (Exception cleanupError)
            {
                throw new RuntimeFailure($"{startError.Message}; cleaning up also failed: {cleanupError.Message} (run: sublet down {plan.Name})");
            }
            throw;
        }
    }

    private PodRecord StartSandbox(PodPlan plan, PodRecord record)
    {
        var paths = _ctx.Paths(record.Id);
        Directories.Searchable(_ctx.Config.RunRoot);
        Directories.Searchable(Path.GetDirectoryName(paths.RunDir)!);
        // runc reaches the rootfs from inside the user namespace (runtime-anchors.md §7.6).
        Directories.PodOnly(paths.RunDir, record.Ids);
        Directories.Private(paths.StateDir);
        var rootfs = PauseRootfs.Ensure(_ctx.Config.RunRoot, _ctx.Config.PauseBinary);
        Directory.CreateDirectory(paths.SandboxBundle);
        Directory.CreateDirectory(paths.SandboxStateDir);
        var spec = SpecBuilder.Sandbox(plan, rootfs, record.Ids, $"/sublet/{record.Id}");
        WriteSpec(paths.SandboxBundle, spec);
        var pid = _ctx.Conmon.Create(record.Id, plan.Name, _ctx.Oci,
            new ConmonPaths(paths.SandboxBundle, paths.SandboxStateDir, Path.Combine(paths.SandboxStateDir, "0.log"),
                Directories.Shared(PodPaths.ExitDir(_ctx.Config.RunRoot)), Directories.Shared(PodPaths.SocketDir(_ctx.Config.RunRoot))),
            exitHook: null, CreateTimeout);
        _ctx.Oci.Start(record.Id);
        record = record with { PausePid = pid, PauseStartTime = _ctx.Proc.StartTime(pid) };
        _ctx.Store.UpdatePod(record);
        return record;
    }

    private void StartContainer(PodPlan plan, PodRecord pod, ContainerPlan container, ImageRecord image, int ordinal)
    {
        var paths = _ctx.Paths(pod.Id);
        var id = paths.ContainerId(container.Name);
        var runDir = paths.ContainerRunDir(container.Name);
        var stateDir = paths.ContainerStateDir(container.Name);
        Directory.CreateDirectory(runDir);
        Directory.CreateDirectory(stateDir);
        Directories.PodOnly(Path.GetDirectoryName(runDir)!, pod.Ids);
        Directories.PodOnly(runDir, pod.Ids);
        var record = new ContainerRecord { Id = id, PodId = pod.Id, Name = container.Name, Image = image.Reference, ImageId = image.Id, State = ContainerState.Created };
        _ctx.Store.SaveContainer(record, ordinal);

        var rootfs = Path.Combine(runDir, "rootfs");
        _ctx.Rootfs.Prepare(
            new RootfsRequest(_ctx.Images.LayersRoot, _ctx.Images.LayerPaths(image), rootfs, Path.Combine(runDir, "lower"), stateDir),
            pod.Ids, () => SafeFd.OpenReadOnly(_ctx.Proc.NamespacePath(pod.PausePid!.Value, "user")));

        var user = UserResolver.Resolve(container, image.Config.User, ReadImageFile(rootfs, "etc/passwd"), ReadImageFile(rootfs, "etc/group"));
        var spec = SpecBuilder.Container(plan, container, image.Config, user, rootfs,
            new SandboxNamespaces(pod.PausePid!.Value), pod.Ids, $"/sublet/{id}");
        WriteSpec(runDir, spec);

        var pid = _ctx.Conmon.Create(id, container.Name, _ctx.Oci,
            new ConmonPaths(runDir, stateDir, paths.LogPath(container.Name),
                Directories.Shared(PodPaths.ExitDir(_ctx.Config.RunRoot)), Directories.Shared(PodPaths.SocketDir(_ctx.Config.RunRoot))),
            _ctx.ExitHook is { } hook ? hook with { Args = [.. hook.Args, id] } : null, CreateTimeout);
        StdioPermissions.Open(_ctx.Proc, pid);
        _ctx.Oci.Start(id);
        _ctx.Store.SaveContainer(record with { State = ContainerState.Running, Pid = pid, Started = _ctx.Time.GetUtcNow() }, ordinal);
    }

    // The image's own account files, read from the prepared rootfs (host side, no symlink follows out of it).
    private static string? ReadImageFile(string rootfs, string relative)
    {
        var path = rootfs;
        foreach (var part in relative.Split('/'))
        {
            path = Path.Combine(path, part);
            if (new FileInfo(path) is { LinkTarget: not null } || !Path.Exists(path))
            {
                return null; // a symlink could lead to the host's files
            }
        }
        var info = new FileInfo(path);
        return info.Exists && info.Length < 1 << 20 ? File.ReadAllText(path) : null;
    }

    private static void WriteSpec(string bundle, Spec spec) =>
        File.WriteAllText(Path.Combine(bundle, "config.json"), JsonSerializer.Serialize(spec, SpecJson.Default.Spec));
}
