using System.Globalization;
using System.Text.Json;
using Sublet.Kubelet.Plan;
using Sublet.Runtime.Pods;
using Sublet.Runtime.State;

namespace Sublet.Kubelet.Pods;

/// <summary>A pod with its containers, as last reconciled.</summary>
public sealed record PodView(PodRecord Pod, IReadOnlyList<ContainerRecord> Containers)
{
    public PodPlan Plan => JsonSerializer.Deserialize(Pod.PlanJson, PlanJson.Default.PodPlan)!;
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
        var paths = _ctx.Paths(pod.Id);
        var containers = _ctx.Store.Containers(pod.Id).ToList();
        var plan = JsonSerializer.Deserialize(pod.PlanJson, PlanJson.Default.PodPlan)!;
        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i];
            if (c.State == ContainerState.Running && ExitOf(ExitFile(paths, c)) is { } exit)
            {
                // The kubelet's reasons: OOMKilled when the OOM killer ended it (read while its cgroup still exists: runc deletes it later).
                var reason = exit.Code == 0 ? "Completed" : PodCgroups.OomKilled(pod.Id, c.Id, exit.Code) ? "OOMKilled" : "Error";
                c = c with
                {
                    State = ContainerState.Exited, ExitCode = exit.Code, Finished = exit.Time, Reason = reason,
                    Message = plan.InitContainers.Concat(plan.Containers).FirstOrDefault(p => p.Name == c.Name) is { } spec
                        ? new TerminationMessages(_ctx).Read(plan, pod, spec, c, exit.Code) : null,
                };
                if (record)
                {
                    _ctx.Store.SaveContainer(c, i);
                }
                containers[i] = c;
            }
        }
        // Conmon's exit files first: they are the truth for containers that ended on their own.
        if (PodLiveness.GoneReason(pod, _ctx.Proc, _ctx.Proc.BootId()) is { } gone)
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

    /// <summary>
    /// conmon's exit file of the container's attempt: in the runtime core's directory of its ID, or,
    /// for a container an older sublet started (ID POD-NAME, still running across an upgrade), in
    /// the directory named after it.
    /// </summary>
    private static string ExitFile(PodPaths paths, ContainerRecord c) =>
        c.Id == $"{c.PodId}-{c.Name}" && !File.Exists(paths.ExitFile(c.Id)) ? Path.Combine(paths.KubeletContainerDir(c.Name), "exit") : paths.ExitFile(c.Id);

    /// <summary>The pod whose container's current attempt has <paramref name="containerId"/>; null for an attempt already replaced, or none.</summary>
    public PodRecord? PodOf(string containerId) =>
        _ctx.Store.PodOfContainer(containerId) is { } podId ? _ctx.Store.Pods().FirstOrDefault(p => p.Id == podId) : null;

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
