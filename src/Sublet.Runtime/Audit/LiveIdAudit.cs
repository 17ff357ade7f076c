using Sublet.Linux.Processes;
using Sublet.Runtime.Pods;

namespace Sublet.Runtime.Audit;

/// <summary>Gathers what <see cref="IdAudit"/> decides on: the store's pods and ranges, and a /proc snapshot of every process.</summary>
public sealed class LiveIdAudit(RuntimeContext ctx)
{
    /// <summary>Ranges live user namespaces hold (<see cref="IdAudit.LiveRanges"/>), read now.</summary>
    /// <param name="known">
    /// Namespaces whose maps need no reading: the store's own pods', whose ranges the caller
    /// counts as its own anyway (a pod's namespace maps exactly its recorded range; ids --verify
    /// checks that). With a hundred pods, reading their maps was most of a pod start's own time.
    /// </param>
    /// <remarks>
    /// Every pod start asks this, so it reads one link per process (its ns/user) and four small
    /// files (stat, comm, uid_map, gid_map) of one process per other user namespace: a full snapshot of every
    /// process made a pod start cost more the more pods ran (issue 23's density runs).
    /// </remarks>
    public IReadOnlyList<(Sublet.IdMapping.IdRange Range, string Holder)> LiveRanges(IReadOnlySet<string>? known = null)
    {
        var hostNamespace = ctx.Proc.UserNamespace(Environment.ProcessId) ?? throw new RuntimeFailure("cannot read /proc/self/ns/user");
        var holders = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var pid in ctx.Proc.Pids())
        {
            if (ctx.Proc.UserNamespace(pid) is { } ns && ns != hostNamespace && known?.Contains(ns) != true)
            {
                (holders.TryGetValue(ns, out var pids) ? pids : holders[ns] = []).Add(pid);
            }
        }
        // The first of each namespace's processes that is neither gone nor a zombie when its maps
        // are read (a zombie holds no range: IdAudit.LiveRanges).
        var processes = holders
            .Select(h => h.Value.Where(pid => !ctx.Proc.IsZombie(pid)).Select(pid => ctx.Proc.IdMaps(pid, h.Key)).FirstOrDefault(s => s is not null))
            .OfType<ProcessSnapshot>().ToList();
        return IdAudit.LiveRanges(processes, hostNamespace);
    }

    public (IReadOnlyList<IdFinding> Findings, int Pods, int Processes) Run()
    {
        var records = ctx.Store.Pods();
        var pods = records.Select(p => new AuditedPod(p.Id, $"{p.Namespace}/{p.Name}", p.Ids)).ToList();
        var namespaces = new Dictionary<string, string>();
        foreach (var pod in records.Where(p => p.Ids is not null && p.PausePid is { } pid && ctx.Proc.IsAlive(pid)))
        {
            if (ctx.Proc.Snapshot(pod.PausePid!.Value) is { } pause)
                namespaces[pod.Id] = pause.UserNamespace;
        }
        // CRI pods too: their ranges came from the kubelet, their cgroups from its pod cgroup or Sublet's.
        foreach (var sandbox in new Sandboxes.RuntimeCore(ctx).ListSandboxes(Sandboxes.Owner.Cri))
        {
            var entry = sandbox.Entry;
            pods.Add(new AuditedPod(entry.Id, $"{entry.Config.Namespace}/{entry.Config.Name} (cri)", entry.Ids, Sandboxes.CoreSpecs.CgroupParent(entry.Id, entry.Config)));
            if (entry.Ids is not null && sandbox.State == Sandboxes.SandboxState.Ready && ctx.Proc.Snapshot(entry.PausePid!.Value) is { } pause)
                namespaces[entry.Id] = pause.UserNamespace;
        }
        var (processes, hostNamespace) = Processes();
        var findings = IdAudit.Check(pods, processes, namespaces, hostNamespace).ToList();
        foreach (var pod in pods.Where(p => p.Range is not null))
        {
            findings.AddRange(FileOwnership.Of(ctx.Config.StateRoot, pod.Id, pod.Name, pod.Range!.Value));
        }
        return (findings, pods.Count, processes.Count);
    }

    /// <summary>Every process now, and our own (the initial) user namespace.</summary>
    private (IReadOnlyList<ProcessSnapshot> Processes, string HostNamespace) Processes()
    {
        var self = ctx.Proc.Snapshot(Environment.ProcessId) ?? throw new RuntimeFailure("cannot read /proc/self");
        return (ctx.Proc.Pids().Select(ctx.Proc.Snapshot).OfType<ProcessSnapshot>().ToList(), self.UserNamespace);
    }
}
