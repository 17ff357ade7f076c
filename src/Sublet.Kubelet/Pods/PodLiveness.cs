using Sublet.Linux.Processes;
using Sublet.Runtime.State;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// Recognises pods whose processes are gone although the store says they run: the machine
/// booted since (the boot id changed: /proc/sys/kernel/random/boot_id), or the sandbox's pause
/// process died (its PID no longer names a process with the recorded start time, so a reused
/// PID is not mistaken for it; CRI-O keeps PID and start time for the same reason).
/// </summary>
public static class PodLiveness
{
    public static string? GoneReason(PodRecord pod, ProcFs proc, string bootId)
    {
        if (pod.State is not (PodState.Running or PodState.Creating))
        {
            return null;
        }
        if (pod.BootId is { } recorded && recorded != bootId)
        {
            return "the node restarted since the pod started; its processes are gone";
        }
        if (pod.PausePid is { } pid && !proc.IsAlive(pid, pod.PauseStartTime))
        {
            return "the pod's sandbox process is gone";
        }
        return null;
    }

    /// <summary>
    /// What the store should say once the processes are gone: every container that had not ended
    /// ended with the CRI's "unknown" status (exit code 255, reason Unknown), and the pod failed.
    /// </summary>
    public static (PodRecord Pod, IReadOnlyList<ContainerRecord> Containers) MarkGone(PodRecord pod, IReadOnlyList<ContainerRecord> containers, string reason, DateTimeOffset now) =>
        (pod with { State = PodState.Failed, Reason = reason },
         containers.Select(c => c.State == ContainerState.Exited ? c
             : c with { State = ContainerState.Exited, ExitCode = 255, Reason = "Unknown", Finished = c.Finished ?? now, NextStart = null, Pid = null }).ToList());
}
