using Sublet.Linux.Files;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary>
/// Follows the logs of running pods until every container has ended (or Ctrl-C). It looks again
/// when something happens rather than on a timer: conmon writes an exit file
/// (<c>--exit-dir</c>), the state database records every change, and both are watched with
/// inotify; the logs are watched the same way so output streams as it is written.
/// With <see cref="Supervisor"/> it also runs a <see cref="PodSupervisor"/>, what conmon's exit
/// hooks would be, and tells it of every change it sees.
/// </summary>
internal sealed class PodWaiter
{
    /// <summary>A safety net only (events lost with the watch itself, say): every change wakes the waiter at once.</summary>
    private static readonly TimeSpan Fallback = TimeSpan.FromSeconds(1);
    private readonly RuntimeContext _ctx;
    private readonly List<LogFollower> _followers = [];

    public PodWaiter(RuntimeContext ctx) => _ctx = ctx;

    /// <summary>Runs once, should the pods still run that long after the wait began.</summary>
    public (TimeSpan After, Action Run)? Later { get; init; }

    /// <summary>
    /// The containers were started without conmon exit commands (<c>play --wait</c>): this process
    /// syncs the pods itself, through a context this makes, so no second <c>sublet</c> process starts
    /// on an exit's path (issue 23).
    /// </summary>
    public Func<RuntimeContext>? Supervisor { get; init; }

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
            _followers.Add(new LogFollower(_ctx.Paths(pod.Id).LogPath(name, 0), planned.Count > 1 ? $"{pod.Name}/{name}" : null));
        }
        using var watches = new Watches(_ctx, planned.Select(c => _ctx.Paths(c.Pod.Id).KubeletContainerDir(c.Name)));
        using var supervisor = Supervisor is { } context ? new PodSupervisor(context, pods, watches.Wake) : null;
        List<PodView> views;
        var began = _ctx.Time.GetUtcNow();
        var later = Later;
        while (true)
        {
            if (later is { } l && _ctx.Time.GetUtcNow() - began >= l.After)
            {
                later = null;
                l.Run();
            }
            watches.Reset();
            supervisor?.ThrowIfFailed();
            supervisor?.Kick();
            views = pods.Select(p => status.View(_ctx.Store.FindPod(p.Id) ?? p)).ToList();
            var done = views.All(v => v.Pod.State is PodState.Succeeded or PodState.Failed);
            Follow(planned, views);
            Drain();
            if (done || cancel.IsCancellationRequested)
            {
                break;
            }
            watches.Wait(Fallback, cancel);
        }
        // Finished: the last sync (which recorded the end) completes before the teardown begins.
        supervisor?.Stop(waitForSync: !cancel.IsCancellationRequested);
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

    /// <summary>Each follower on the log of its container's current attempt (a restart starts a new file).</summary>
    private void Follow(List<(PodRecord Pod, string Name)> planned, List<PodView> views)
    {
        for (var i = 0; i < planned.Count; i++)
        {
            var (pod, name) = planned[i];
            if (views.FirstOrDefault(v => v.Pod.Id == pod.Id)?.Containers.FirstOrDefault(c => c.Name == name) is { } container)
            {
                _followers[i].Follow(ContainerLogs.Current(_ctx.Paths(pod.Id), container));
            }
        }
    }

    /// <summary>
    /// The directories whose changes can end the wait or carry output: the exit files, the state
    /// database (its WAL: every recorded exit, restart and pod state lands there) and each
    /// container's log directory that exists yet (a later one is caught by the other two).
    /// </summary>
    private sealed class Watches : IDisposable
    {
        private readonly List<DirectoryWatch> _all = [];
        private readonly ManualResetEventSlim _any = new(false);

        public Watches(RuntimeContext ctx, IEnumerable<string> logDirs)
        {
            var dirs = new List<string> { PodPaths.ExitDir(ctx.Config.RunRoot), ctx.Config.StateRoot };
            dirs.AddRange(logDirs);
            foreach (var dir in dirs.Distinct().Where(Directory.Exists))
            {
                var watch = new DirectoryWatch(dir, writes: true);
                watch.Changed += _ => _any.Set();
                _all.Add(watch);
            }
        }

        public void Reset() => _any.Reset();

        /// <summary>Ends the current wait at once, as a change would.</summary>
        public void Wake() => _any.Set();

        public void Wait(TimeSpan timeout, CancellationToken cancel)
        {
            try
            {
                _any.Wait(timeout, cancel);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C: the caller looks at the token.
            }
        }

        public void Dispose()
        {
            foreach (var watch in _all)
            {
                watch.Dispose();
            }
            _any.Dispose();
        }
    }
}
