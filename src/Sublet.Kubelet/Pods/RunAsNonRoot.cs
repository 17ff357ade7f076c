using Sublet.Kubelet.Plan;
using Sublet.Runtime.Oci;

namespace Sublet.Kubelet.Pods;

/// <summary>A kubelet check a container passes before it is created (the runtime is never asked).</summary>
public static class RunAsNonRoot
{
    /// <summary>
    /// The kubelet's verifyRunAsNonRoot (pkg/kubelet/kuberuntime/security_context_others.go), with its
    /// messages, before the container is created: runAsUser 0, an image user that is root (USER
    /// unset counts as root, as getImageUser says), or a named image user it cannot check.
    /// </summary>
    /// <param name="imageUser">The image config's USER: "", "uid", "uid:gid", "name" or "name:group".</param>
    public static void Verify(PodPlan pod, ContainerPlan container, string? imageUser)
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
}
