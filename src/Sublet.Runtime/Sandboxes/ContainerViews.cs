namespace Sublet.Runtime.Sandboxes;

/// <summary>What a reader finds about a container's process on the node (conmon's exit file, /proc, the cgroup's OOM count).</summary>
public sealed record ProcessFacts(int? ExitCode, DateTimeOffset? ExitTime, bool Alive, bool OomKilled);

/// <summary>
/// A container's state from its record and what the node shows, computed by readers without
/// writing (issue 20 item 3). Pure. Reasons are the ones the kubelet knows (containerd
/// internal/cri/server container_status.go: Completed, Error, OOMKilled, StartError).
/// </summary>
public static class ContainerViews
{
    /// <summary>containerd's exit code for a container whose start failed.</summary>
    public const int StartErrorExitCode = 128;

    public static ContainerView Decide(ContainerEntry entry, ProcessFacts facts)
    {
        if (entry.Reason is { } reason)
        {
            return new(entry, CtrState.Exited, facts.ExitCode ?? StartErrorExitCode, facts.ExitTime ?? entry.Started ?? entry.Created, reason, entry.Message ?? "");
        }
        if (facts.ExitCode is { } code)
        {
            var why = facts.OomKilled ? "OOMKilled" : code == 0 ? "Completed" : "Error";
            return new(entry, CtrState.Exited, code, facts.ExitTime, why, "");
        }
        return entry.State switch
        {
            CtrState.Created => new(entry, CtrState.Created, null, null, "", ""),
            CtrState.Running when facts.Alive => new(entry, CtrState.Running, null, null, "", ""),
            // The process is gone and conmon wrote nothing (conmon killed, or the node rebooted).
            _ => new(entry, CtrState.Exited, 255, facts.ExitTime, "Error", "the container's process is gone and no exit status was recorded"),
        };
    }
}
