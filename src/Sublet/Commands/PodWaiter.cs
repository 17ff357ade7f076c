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
        var multiple = pods.Sum(p => _ctx.Store.Containers(p.Id).Count) > 1;
        foreach (var pod in pods)
        {
            foreach (var c in _ctx.Store.Containers(pod.Id))
            {
                _followers.Add(new LogFollower(_ctx.Paths(pod.Id).LogPath(c.Name), multiple ? $"{pod.Name}/{c.Name}" : null));
            }
        }
        List<PodView> views;
        while (true)
        {
            views = pods.Select(p => status.View(_ctx.Store.FindPod(p.Id) ?? p)).ToList();
            var done = views.All(v => v.Containers.All(c => c.State == ContainerState.Exited));
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
        return views.SelectMany(v => v.Containers).Select(c => c.ExitCode ?? 0).FirstOrDefault(code => code != 0);
    }
}
