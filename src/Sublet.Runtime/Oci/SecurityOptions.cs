namespace Sublet.Runtime.Oci;

/// <summary>
/// The security rules a container's OCI config takes from outside the OCI builder
/// (<see cref="Sandboxes.CoreSpecs.Container"/>): containerd's floor for the OOM score. Values this host refuses are clamped and listed.
/// </summary>
public static class SecurityOptions
{
    /// <summary>Annotation listing what was clamped on this host (shown by <c>inspect</c> from config.json).</summary>
    public const string ClampedAnnotation = "io.sublet.clamped";

    /// <summary>
    /// containerd restrict_oom_score_adj (internal/cri/opts WithOOMScoreAdj): never below the runtime's
    /// own score. Needed here: without CAP_SYS_RESOURCE runc cannot go below its inherited minimum.
    /// </summary>
    public static int? ClampOomScore(int? wanted, int current, List<string> clamped)
    {
        if (wanted is { } value && value < current)
        {
            clamped.Add($"oomScoreAdj {value} raised to {current}: no CAP_SYS_RESOURCE to go below the runtime's own score");
            return current;
        }
        return wanted;
    }
}
