using Sublet.Runtime.Pods;
using Sublet.Runtime.State;

namespace Sublet.Runtime.Logs;

/// <summary>
/// One rotation check over every running container of this node's <c>play</c> pods, the part of
/// the kubelet's container log manager that Sublet does itself for them (its loop runs in
/// <c>sublet internal rotate-logs</c>).
/// </summary>
public sealed class LogSweep
{
    private readonly RuntimeContext _ctx;
    private readonly LogRotator _rotator;

    public LogSweep(RuntimeContext ctx)
    {
        _ctx = ctx;
        _rotator = new LogRotator(LogPolicy.From(ctx.Config), ctx.Time);
    }

    /// <summary>Checks every log once; returns how many pods are still starting or running (the loop ends at none).</summary>
    public int Run()
    {
        var live = 0;
        foreach (var pod in _ctx.Store.Pods().Where(p => p.State is PodState.Creating or PodState.Running))
        {
            live++;
            var paths = _ctx.Paths(pod.Id);
            Check(Path.Combine(paths.SandboxStateDir, "0.log"), paths.SandboxBundle);
            foreach (var container in _ctx.Store.Containers(pod.Id).Where(c => c.State == ContainerState.Running))
            {
                Check(paths.LogPath(container.Name, container.RestartCount), paths.ContainerRunDir(container.Id));
            }
        }
        return live;
    }

    private void Check(string log, string bundle)
    {
        try
        {
            _rotator.Rotate(log, () => _ctx.Conmon.ReopenLog(bundle));
        }
        catch (IOException)
        {
            // The container went away under us (its directory removed by `down`): nothing to rotate.
        }
    }
}
