using Sublet.Kubelet.Plan;
using Sublet.Runtime;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// Runs postStart and preStop handlers as the kubelet does (pkg/kubelet/lifecycle/handlers.go):
/// exec in the container through the runtime's ExecSync (which kills what outlives the timeout),
/// or sleep. A failure is returned as a message.
/// </summary>
public sealed class LifecycleHooks
{
    private readonly RuntimeContext _ctx;

    public LifecycleHooks(RuntimeContext ctx) => _ctx = ctx;

    /// <returns>Null when the handler succeeded, else why it failed.</returns>
    public string? Run(string containerId, LifecycleHook hook, TimeSpan timeout)
    {
        if (hook.SleepSeconds is { } seconds)
        {
            Thread.Sleep(TimeSpan.FromSeconds(Math.Min(seconds, timeout.TotalSeconds)));
            return null;
        }
        if (hook.Exec is not { Count: > 0 } command)
        {
            return null;
        }
        try
        {
            var result = new RuntimeCore(_ctx).ExecSync(containerId, command, timeout);
            return result.ExitCode == 0 ? null
                : $"command '{string.Join(' ', command)}' exited with {result.ExitCode}: {Tail((result.Stdout + result.Stderr).Trim())}";
        }
        catch (Exception e) when (e is RuntimeFailure or RuntimeError or TimeoutException)
        {
            return e.Message;
        }
    }

    /// <summary>The message goes into the container's log and status: its last 4 KiB, as the kubelet keeps of a termination message.</summary>
    internal static string Tail(string output) => output.Length <= 4096 ? output : "…" + output[^4096..];
}
