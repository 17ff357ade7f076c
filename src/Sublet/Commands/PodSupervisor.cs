using System.Runtime.ExceptionServices;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary>
/// What conmon's exit hooks are for pods started without them (<c>play --wait</c>): a thread that
/// runs each pod's sync (restarts, the next init container, back-offs, stopping sidecars, the pod's
/// end) whenever the waiter sees a change and when a back-off ends. A thread of its own, with a
/// runtime context of its own (a SQLite connection is not shared between threads), because one
/// sync can take minutes (a postStart hook, a sidecar's grace period) while the waiter must keep
/// printing logs and answering Ctrl-C, as it did when those ran in exit-hook processes.
/// </summary>
internal sealed class PodSupervisor : IDisposable
{
    private readonly Func<RuntimeContext> _context;
    private readonly Action _onFailure;
    private readonly IReadOnlyList<PodRecord> _pods;
    private readonly AutoResetEvent _kick = new(true);
    private readonly Dictionary<string, string> _failures = [];
    private readonly Thread _thread;
    private volatile bool _stopping;
    private volatile ExceptionDispatchInfo? _failed;

    /// <param name="onFailure">Wakes the waiter when the supervisor has stopped on an error (<see cref="ThrowIfFailed"/>).</param>
    public PodSupervisor(Func<RuntimeContext> context, IReadOnlyList<PodRecord> pods, Action onFailure)
    {
        _context = context;
        _onFailure = onFailure;
        _pods = pods;
        _thread = new Thread(Run) { IsBackground = true, Name = "pod supervisor" };
        _thread.Start();
    }

    /// <summary>Something changed (an exit file, the store): sync again as soon as the current sync ends.</summary>
    public void Kick() => _kick.Set();

    /// <summary>
    /// Rethrows, on the waiter's thread, an error the supervisor could not go on after, so the
    /// command ends as it did when the sync ran there (its error line, then the teardown) instead
    /// of the process dying on an unhandled exception with its pods left running.
    /// </summary>
    public void ThrowIfFailed() => _failed?.Throw();

    /// <summary>
    /// Ends the thread after its current sync. Interrupted, the waiter does not wait for it: the
    /// teardown takes the pods' locks from a sync that hangs after a while (PodRemover), as it did
    /// from a hanging exit hook.
    /// </summary>
    public void Stop(bool waitForSync)
    {
        _stopping = true;
        _kick.Set();
        if (waitForSync)
        {
            _thread.Join();
        }
    }

    public void Dispose()
    {
        Stop(waitForSync: false);
    }

    private void Run()
    {
        try
        {
            using var ctx = _context();
            var syncer = new PodSyncer(ctx);
            while (!_stopping)
            {
                // Until the next back-off ends, or the waiter's next kick: it kicks on every change
                // and at least once a second, which covers a change whose event was lost.
                var due = Sync(syncer);
                _kick.WaitOne(due is { } d ? TimeSpan.FromTicks(Math.Max(0, (d - ctx.Time.GetUtcNow()).Ticks)) : Timeout.InfiniteTimeSpan);
            }
        }
        catch (Exception e)
        {
            _failed = ExceptionDispatchInfo.Capture(e);
            _onFailure();
        }
    }

    /// <summary>
    /// Each pod's sync (as conmon's hook would, a start that fails is recorded, not thrown); the
    /// earliest back-off end. A sync that fails otherwise (the store busy, a directory gone) is
    /// reported once and tried again: the pods keep running, as they did when an exit hook failed.
    /// </summary>
    private DateTimeOffset? Sync(PodSyncer syncer)
    {
        DateTimeOffset? earliest = null;
        foreach (var pod in _pods)
        {
            try
            {
                if (syncer.Sync(pod.Id, startErrors: false) is { } due && (earliest is null || due < earliest))
                {
                    earliest = due;
                }
                _failures.Remove(pod.Id);
            }
            catch (Exception e) when (Cli.IsUserFacing(e))
            {
                if (!_failures.TryGetValue(pod.Id, out var last) || last != e.Message)
                {
                    Console.Error.WriteLine($"Warning: pod/{pod.Name}: restarts and back-offs could not be brought up to date ({e.Message}); trying again on the next change");
                }
                _failures[pod.Id] = e.Message;
            }
        }
        return earliest;
    }
}
