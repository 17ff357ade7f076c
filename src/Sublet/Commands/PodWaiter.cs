using Sublet.Runtime.Pods;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary>Follows the logs of running pods until every container has ended (or Ctrl-C).</summary>
internal sealed class PodWaiter
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    private readonly RuntimeContext _ctx;
    private readonly List<LogFollower> _followers = [];

    public PodWaiter(RuntimeContext ctx) => _ctx = ctx;

    /// <summary>Prints what the containers wrote since the last look (also while they are being stopped).</summary>
    public void Drain()
    {
        foreach (var f in _followers)
        {
            f.Pump();
        }
    }

    /// <returns>The first non-zero exit code in container order, else 0.</returns>
    public int Wait(IReadOnlyList<PodRecord> pods, CancellationToken cancel)
    {
        var status = new PodStatus(_ctx);
        // Every planned container, also those not started yet (init containers go one by one).
        var planned = pods.SelectMany(p => PodSyncer.PlanOf(p) is var plan ? plan.InitContainers.Concat(plan.Containers).Select(c => (Pod: p, c.Name)) : []).ToList();
        foreach (var (pod, name) in planned)
        {
            _followers.Add(new LogFollower(_ctx.Paths(pod.Id).LogPath(name), planned.Count > 1 ? $"{pod.Name}/{name}" : null));
        }
        List<PodView> views;
        while (true)
        {
            views = pods.Select(p => status.View(_ctx.Store.FindPod(p.Id) ?? p)).ToList();
            var done = views.All(v => v.Pod.State is PodState.Succeeded or PodState.Failed);
            Drain();
            if (done || cancel.IsCancellationRequested)
            {
                break;
            }
            cancel.WaitHandle.WaitOne(Poll);
        }
        if (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine("Interrupted: stopping the pods");
            return 130;
        }
        // The first non-zero exit code of an app container; a pod failed by an init container returns that one's.
        var codes = views.SelectMany(v => v.Containers).Select(c => c.ExitCode ?? 0).ToList();
        var failedPod = views.Any(v => v.Pod.State == PodState.Failed);
        return codes.FirstOrDefault(code => code != 0, failedPod ? 1 : 0);
    }
}
