using Sublet.Linux.Processes;
using Sublet.Runtime.Pods;

namespace Sublet.Runtime.Audit;

/// <summary>Gathers what <see cref="IdAudit"/> decides on: the store's pods and ranges, and a /proc snapshot of every process.</summary>
public sealed class LiveIdAudit(RuntimeContext ctx)
{
    /// <summary>Ranges live user namespaces hold (<see cref="IdAudit.LiveRanges"/>), read now.</summary>
    /// <remarks>
    /// Every pod start asks this, so it reads one link per process (its ns/user) and the maps of
    /// one process per user namespace: a full snapshot of every process (six files each) made a
    /// pod start cost more the more pods ran (issue 23's density run: 0.3 s → 0.76 s over 110 pods).
    /// </remarks>
    public IReadOnlyList<(Sublet.IdMapping.IdRange Range, string Holder)> LiveRanges()
    {
        var hostNamespace = ctx.Proc.UserNamespace(Environment.ProcessId) ?? throw new RuntimeFailure("cannot read /proc/self/ns/user");
        var holders = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var pid in ctx.Proc.Pids())
        {
            if (ctx.Proc.UserNamespace(pid) is { } ns && ns != hostNamespace)
            {
                (holders.TryGetValue(ns, out var pids) ? pids : holders[ns] = []).Add(pid);
            }
        }
        // The first of each namespace's processes that is neither gone nor a zombie when its maps
        // are read (IdAudit.LiveRanges leaves zombies out: they hold no range).
        var processes = holders.Values
            .Select(pids => pids.Where(pid => !ctx.Proc.IsZombie(pid)).Select(ctx.Proc.Snapshot).FirstOrDefault(s => s is not null))
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
