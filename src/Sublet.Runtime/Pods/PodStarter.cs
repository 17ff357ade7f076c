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
        new ImagePulls(_ctx).Ensure(plan.InitContainers.Concat(plan.Containers));
        new Volumes.VolumeBuilder(_ctx).Check(plan);
        _ctx.RootfsPlanner.Check(!plan.HostUsers);
        var podId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var record = _ctx.Store.CreatePod(new PodRecord
        {
            Id = podId, Name = plan.Name, Namespace = plan.Namespace, Uid = plan.Uid,
            PlanJson = JsonSerializer.Serialize(plan, StateJson.Default.PodPlan), State = PodState.Creating, BootId = _ctx.Proc.BootId(),
        }, plan.HostUsers ? null : allocate);
        try
        {
            record = StartSandbox(plan, record);
            new Volumes.VolumeBuilder(_ctx).Prepare(plan, record);
            new EtcFiles(_ctx).Prepare(plan, record);
            record = record with { State = PodState.Running };
            _ctx.Store.UpdatePod(record);
            // The first init container, or every app container; exit hooks take it from there.
            new PodSyncer(_ctx).Sync(record.Id, startErrors: true);
            return _ctx.Store.FindPod(record.Id) ?? record;
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
        PodStateMount.Ensure(_ctx.Mounter, _ctx.Config.StateRoot);
        Directories.Private(paths.StateDir);
        var rootfs = PauseRootfs.Ensure(_ctx.Config.RunRoot, _ctx.Config.PauseBinary);
        Directory.CreateDirectory(paths.SandboxBundle);
        Directory.CreateDirectory(paths.SandboxStateDir);
        PodCgroups.Configure(record.Id, PodResources.For(plan)); // the pod-level cgroup, before anything joins it
        var pinned = plan.HostNetwork ? null : new PodNetworking(_ctx).SetUp(record.Id, record.Ids, new Network.PodNetworkRequest(record.Id, plan.Name, plan.Namespace, plan.Uid,
            plan.PortMappings, [], [], [], plan.Annotations, CgroupResources.PodParent(record.Id)));
        var spec = SpecBuilder.Sandbox(plan, rootfs, record.Ids, CgroupResources.ContainerPath(record.Id), pinned);
        SpecFile.Write(paths.SandboxBundle, spec);
        var pid = _ctx.Conmon.Create(record.Id, plan.Name, _ctx.Oci,
            new ConmonPaths(paths.SandboxBundle, paths.SandboxStateDir, Path.Combine(paths.SandboxStateDir, "0.log"),
                Directories.Shared(PodPaths.ExitDir(_ctx.Config.RunRoot)), Directories.Shared(PodPaths.SocketDir(_ctx.Config.RunRoot))),
            exitHook: null, CreateTimeout);
        _ctx.Oci.Start(record.Id);
        record = record with { PausePid = pid, PauseStartTime = _ctx.Proc.StartTime(pid) };
        _ctx.Store.UpdatePod(record);
        return record;
    }
}
