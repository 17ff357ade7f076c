using Sublet.IdMapping;
using Sublet.Kubelet.Plan;
using Sublet.Runtime;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Sandboxes;
using Sublet.Runtime.State;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// Starts a pod from its plan: its record, its sandbox from the runtime core under the same ID
/// (recorded with its ID range in one transaction), its volumes and /etc files, then its
/// containers. Any failure tears down everything this start made, including the range (ground rule 4).
/// </summary>
public sealed class PodStarter
{
    private readonly RuntimeContext _ctx;
    private readonly Volumes.IVolumeContent? _content;

    /// <param name="content">The files of configMap, secret, downwardAPI and projected volumes (Kubernetes semantics; the CLI gives them).</param>
    public PodStarter(RuntimeContext ctx, Volumes.IVolumeContent? content = null) => (_ctx, _content) = (ctx, content);

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
        new Volumes.VolumeBuilder(_ctx, _content).Check(plan);
        _ctx.RootfsPlanner.Check(!plan.HostUsers);
        // The pod is recorded first, under the ID its sandbox will have, so a start killed at any
        // point leaves a pod `sublet down` removes; its range is its sandbox's, chosen from the pool
        // as the runtime core records the sandbox (as a kubelet asks for it over CRI).
        var record = _ctx.Store.CreatePod(new PodRecord
        {
            Id = RuntimeCore.NewId(), Name = plan.Name, Namespace = plan.Namespace, Uid = plan.Uid,
            PlanJson = StoredPlan.Write(plan), State = PodState.Creating, BootId = _ctx.Proc.BootId(),
        });
        try
        {
            RunSandbox(plan, record.Id, allocate);
            record = _ctx.Store.FindPodById(record.Id) ?? throw new RuntimeFailure($"pod/{plan.Name}: its record vanished while its sandbox started");
            new Volumes.VolumeBuilder(_ctx, _content).Prepare(plan, record);
            new EtcFiles(_ctx).Prepare(plan, record);
            record = record with { State = PodState.Running };
            _ctx.Store.UpdatePod(record);
            // The first init container, or every app container; exit hooks take it from there.
            new PodSyncer(_ctx).Sync(record.Id, startErrors: true);
            return _ctx.Store.FindPodById(record.Id) ?? record;
        }
        catch (Exception startError)
        {
            try
            {
                new PodRemover(_ctx).Remove(record, TimeSpan.Zero);
            }
            catch (Exception cleanupError)
            {
                throw new PodLeftBehindException($"{startError.Message}; cleaning up also failed: {cleanupError.Message}", plan.Name);
            }
            throw;
        }
    }

    /// <summary>How many ranges a start tries when the runtime core finds each already mapped by a user namespace outside the store.</summary>
    private const int RangeAttempts = 8;

    /// <summary>
    /// The pod's sandbox through the runtime core, whose check after recording the sandbox refuses a
    /// range a live user namespace outside the store maps (another state root's pod, another runtime,
    /// issue 24 item 3). Its refusal lists every such range: the user is told, and the next choice
    /// leaves them all out. play does not scan /proc for them beforehand as well (a second walk of
    /// every process on each pod start, issue 23).
    /// </summary>
    private void RunSandbox(PodPlan plan, string id, Func<IReadOnlyList<IdRange>, IdRange> allocate)
    {
        var core = new RuntimeCore(_ctx);
        if (plan.HostUsers)
        {
            core.RunSandbox(PlaySandbox.For(plan), allocate: null, id);
            return;
        }
        var refused = new List<IdRange>();
        IdRange? chosen = null;
        IdRange Allocate(IReadOnlyList<IdRange> inUse) => (chosen = allocate([.. inUse, .. refused])).Value;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                core.RunSandbox(PlaySandbox.For(plan), Allocate, id);
                return;
            }
            catch (RuntimeError e) when (e.Reason == "range_in_use_on_host" && chosen is { } range && attempt < RangeAttempts)
            {
                foreach (var (held, holder) in e.HeldOnHost.Where(h => !refused.Contains(h.Range)))
                {
                    _ctx.Warn($"host IDs {held.Start}-{held.End - 1} are in use by {holder}, unknown to this node's store; pods here are not given them");
                    refused.Add(held);
                }
                refused.Add(range);
            }
        }
    }
}

/// <summary>A start failed and so did the removal of what it made: the pod's record stays, for another removal to finish.</summary>
public sealed class PodLeftBehindException(string message, string pod) : Exception(message)
{
    public string Pod => pod;
}
