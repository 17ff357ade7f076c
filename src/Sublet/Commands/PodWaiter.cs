using Sublet.Linux.Files;
using Sublet.Runtime.Pods;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary>
/// Follows the logs of running pods until every container has ended (or Ctrl-C). It looks again
/// when something happens rather than on a timer: conmon writes an exit file
/// (<c>--exit-dir</c>), the state database records every change, and both are watched with
/// inotify; the logs are watched the same way so output streams as it is written.
/// With <see cref="Supervise"/> the waiter is also what an exit hook would be: each look runs
/// the pod's sync (restarts, the next init container, back-offs, the pod's end) in this process.
/// </summary>
internal sealed class PodWaiter
{
    /// <summary>A safety net only (events lost with the watch itself, say): every change wakes the waiter at once.</summary>
    private static readonly TimeSpan Fallback = TimeSpan.FromSeconds(1);
    private readonly RuntimeContext _ctx;
    private readonly List<LogFollower> _followers = [];
    private readonly Dictionary<string, string> _syncFailures = [];

    public PodWaiter(RuntimeContext ctx) => _ctx = ctx;

    /// <summary>Runs once, should the pods still run that long after the wait began.</summary>
    public (TimeSpan After, Action Run)? Later { get; init; }

    /// <summary>
    /// The containers were started without conmon exit commands (<c>play --wait</c>): this process
    /// syncs the pods when they change and wakes when a back-off ends, so no second <c>sublet</c>
    /// process starts on an exit's path (issue 23).
    /// </summary>
    public bool Supervise { get; init; }

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
        using var watches = new Watches(_ctx, planned.Select(c => _ctx.Paths(c.Pod.Id).LogPath(c.Name)));
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
            var due = Supervise ? Sync(pods) : null;
            views = pods.Select(p => status.View(_ctx.Store.FindPod(p.Id) ?? p)).ToList();
            var done = views.All(v => v.Pod.State is PodState.Succeeded or PodState.Failed);
            Drain();
            if (done || cancel.IsCancellationRequested)
            {
                break;
            }
            var untilDue = due is { } d ? d - _ctx.Time.GetUtcNow() : Fallback;
            watches.Wait(untilDue < TimeSpan.Zero ? TimeSpan.Zero : untilDue < Fallback ? untilDue : Fallback, cancel);
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

    /// <summary>
    /// What an exit hook would do for each pod (as conmon's would, a start that fails is recorded, not
    /// thrown); the earliest back-off end. A sync that fails otherwise (the store busy, a directory
    /// gone) is reported once and tried again on the next change (or the
    /// fallback look, within a second): the pods keep running, as they did
    /// when an exit hook failed, rather than being torn down with the wait.
    /// </summary>
    private DateTimeOffset? Sync(IReadOnlyList<PodRecord> pods)
    {
        var syncer = new PodSyncer(_ctx);
        DateTimeOffset? earliest = null;
        foreach (var pod in pods)
        {
            try
            {
                if (syncer.Sync(pod.Id, startErrors: false) is { } due && (earliest is null || due < earliest))
                {
                    earliest = due;
                }
                _syncFailures.Remove(pod.Id);
            }
            catch (Exception e) when (Cli.IsUserFacing(e))
            {
                if (!_syncFailures.TryGetValue(pod.Id, out var last) || last != e.Message)
                {
                    Console.Error.WriteLine($"Warning: pod/{pod.Name}: restarts and back-offs could not be brought up to date ({e.Message}); trying again on the next change");
                }
                _syncFailures[pod.Id] = e.Message;
            }
        }
        return earliest;
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

        public Watches(RuntimeContext ctx, IEnumerable<string> logs)
        {
            var dirs = new List<string> { PodPaths.ExitDir(ctx.Config.RunRoot), ctx.Config.StateRoot };
            dirs.AddRange(logs.Select(log => Path.GetDirectoryName(log)!));
            foreach (var dir in dirs.Distinct().Where(Directory.Exists))
            {
                var watch = new DirectoryWatch(dir, writes: true);
                watch.Changed += _ => _any.Set();
                _all.Add(watch);
            }
        }

        public void Reset() => _any.Reset();

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
