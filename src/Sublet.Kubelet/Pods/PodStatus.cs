using System.Globalization;
using Sublet.Kubelet.Plan;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Sandboxes;
using Sublet.Runtime.State;

namespace Sublet.Kubelet.Pods;

/// <summary>A pod with its containers, as last reconciled.</summary>
public sealed record PodView(PodRecord Pod, IReadOnlyList<ContainerRecord> Containers)
{
    public PodPlan Plan => StoredPlan.Read(Pod.PlanJson);
}

/// <summary>
/// A pod as it is now: its records brought up to date with what conmon recorded, since exit files
/// are written even when no <c>sublet</c> process runs (DESIGN.md "No daemon for play"). Readers
/// compute that view without writing (issue 20 item 3); the one writer is <see cref="PodSyncer"/>,
/// under the pod's lock, which records it.
/// </summary>
public sealed class PodStatus
{
    private readonly RuntimeContext _ctx;

    public PodStatus(RuntimeContext ctx) => _ctx = ctx;

    /// <param name="record">Write what changed to the store: only for the pod's writer, under its lock (<see cref="PodSyncer"/>).</param>
    public PodView View(PodRecord pod, bool record = false)
    {
        var containers = _ctx.Store.Containers(pod.Id).ToList();
        var plan = StoredPlan.Read(pod.PlanJson);
        var gone = PodLiveness.GoneReason(pod, _ctx.Proc, _ctx.Proc.BootId());
        var ended = Endings(pod, containers, gone is not null);
        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i];
            if (ended.TryGetValue(c.Id, out var end))
            {
                c = c with
                {
                    State = ContainerState.Exited, ExitCode = end.Code, Finished = end.Time ?? _ctx.Time.GetUtcNow(), Reason = end.Reason,
                    Message = end.Message is { Length: > 0 } known ? known
                        : plan.InitContainers.Concat(plan.Containers).FirstOrDefault(p => p.Name == c.Name) is { } spec
                            ? new TerminationMessages(_ctx).Read(plan, pod, spec, c, end.Code) : null,
                };
                if (record)
                {
                    _ctx.Store.SaveContainer(c, i);
                }
                containers[i] = c;
            }
        }
        // Exits first: they are the truth for containers that ended on their own.
        if (gone is not null)
        {
            (pod, var marked) = PodLiveness.MarkGone(pod, containers, gone, _ctx.Time.GetUtcNow());
            if (record)
            {
                foreach (var c in marked)
                {
                    _ctx.Store.UpdateContainer(c);
                }
                _ctx.Store.UpdatePod(pod);
            }
            return new PodView(pod, marked);
        }
        // A view shows an ending it can see; starting containers is PodSyncer's job.
        if (pod.State == PodState.Running
            && PodSync.Decide(plan, containers, _ctx.Time.GetUtcNow(), BackoffPolicy.Kubelet) is [PodAction.Finish finish])
        {
            pod = pod with { State = finish.Phase == PodPhase.Succeeded ? PodState.Succeeded : PodState.Failed, Reason = finish.Reason };
            if (record)
            {
                _ctx.Store.UpdatePod(pod);
            }
        }
        return new PodView(pod, containers);
    }

    /// <summary>How a container that ended did: its exit code, when, the kubelet's reason, and a message when the runtime knows one.</summary>
    private sealed record Ending(int Code, DateTimeOffset? Time, string Reason, string? Message);

    /// <summary>
    /// The containers recorded as running that have ended, as the runtime core sees them
    /// (<see cref="RuntimeCore.ViewOf"/>: conmon's exit file, the OOM count, the reasons a kubelet
    /// gets over CRI), the way the kubelet learns of exits from ContainerStatus. A process gone
    /// without an exit status counts only while the pod lives: when the node restarted or the
    /// sandbox is gone, <see cref="PodLiveness"/> says why for every container at once.
    /// </summary>
    private Dictionary<string, Ending> Endings(PodRecord pod, IReadOnlyList<ContainerRecord> containers, bool podGone)
    {
        var ended = new Dictionary<string, Ending>(StringComparer.Ordinal);
        var running = containers.Where(c => c.State == ContainerState.Running).ToList();
        if (running.Count == 0)
        {
            return ended;
        }
        var core = new RuntimeCore(_ctx);
        var entries = _ctx.Store.SandboxContainers(pod.Id).ToDictionary(e => e.Id, StringComparer.Ordinal);
        foreach (var c in running)
        {
            if (entries.TryGetValue(c.Id, out var entry))
            {
                var view = core.ViewOf(entry);
                if (view is { State: CtrState.Exited, ExitCode: { } code } && (view.Finished is not null || !podGone))
                {
                    ended[c.Id] = new Ending(code, view.Finished, view.Reason, view.Message);
                }
            }
            else if (ExitOf(LegacyExitFile(_ctx.Paths(pod.Id), c)) is { } exit)
            {
                // Started by an older sublet, before play ran on the core.
                var reason = exit.Code == 0 ? "Completed" : PodCgroups.OomKilled(pod.Id, c.Id, exit.Code) ? "OOMKilled" : "Error";
                ended[c.Id] = new Ending(exit.Code, exit.Time, reason, null);
            }
        }
        return ended;
    }

    /// <summary>
    /// conmon's exit file of a container the core has no record of: one an older sublet started
    /// (ID POD-NAME, still running across an upgrade) wrote it in the directory named after it.
    /// </summary>
    private static string LegacyExitFile(PodPaths paths, ContainerRecord c) =>
        c.Id == $"{c.PodId}-{c.Name}" && !File.Exists(paths.ExitFile(c.Id)) ? Path.Combine(paths.KubeletContainerDir(c.Name), "exit") : paths.ExitFile(c.Id);

    /// <summary>The pod whose container's current attempt has <paramref name="containerId"/>; null for an attempt already replaced, or none.</summary>
    public PodRecord? PodOf(string containerId) =>
        _ctx.Store.PodOfContainer(containerId) is { } podId ? _ctx.Store.FindPodById(podId) : null;

    /// <summary>conmon's exit file: the decimal status; its modification time is when the container ended.</summary>
    public static (int Code, DateTimeOffset Time)? ExitOf(string exitFile)
    {
        if (!File.Exists(exitFile))
        {
            return null;
        }
        var text = File.ReadAllText(exitFile).Trim();
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code))
        {
            return null; // being written
        }
        return (code, File.GetLastWriteTimeUtc(exitFile));
    }
}
