using Sublet.Runtime.Plan;

namespace Sublet.Runtime.Oci;

/// <summary>
/// The security rules a container's OCI config takes from outside the OCI builder
/// (<see cref="Sandboxes.CoreSpecs.Container"/>): the kubelet's runAsNonRoot check, and
/// containerd's floor for the OOM score. Values this host refuses are clamped and listed.
/// </summary>
public static class SecurityOptions
{
    /// <summary>Annotation listing what was clamped on this host (shown by <c>inspect</c> from config.json).</summary>
    public const string ClampedAnnotation = "io.sublet.clamped";

    /// <summary>
    /// The kubelet's verifyRunAsNonRoot (pkg/kubelet/kuberuntime/security_context_others.go), with its
    /// messages, before the container is created: runAsUser 0, an image user that is root (USER
    /// unset counts as root, as getImageUser says), or a named image user it cannot check.
    /// </summary>
    /// <param name="imageUser">The image config's USER: "", "uid", "uid:gid", "name" or "name:group".</param>
    public static void VerifyRunAsNonRoot(PodPlan pod, ContainerPlan container, string? imageUser)
    {
        if (!container.Security.RunAsNonRoot)
        {
            return;
        }
        var where = $"(pod: \"{pod.Name}_{pod.Namespace}({pod.Uid})\", container: {container.Name})";
        if (container.RunAsUser is { } runAs)
        {
            if (runAs == 0)
            {
                throw new PlanException($"container's runAsUser breaks non-root policy {where}");
            }
            return;
        }
        var user = (imageUser ?? "").Split(':', 2)[0];
        uint uid = 0;
        if (user.Length > 0 && !uint.TryParse(user, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out uid))
        {
            throw new PlanException($"container has runAsNonRoot and image has non-numeric user ({user}), cannot verify user is non-root {where}");
        }
        if (uid == 0)
        {
            throw new PlanException($"container has runAsNonRoot and image will run as root {where}");
        }
    }

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
