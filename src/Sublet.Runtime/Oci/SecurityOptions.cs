using Sublet.Runtime.Plan;

namespace Sublet.Runtime.Oci;

/// <summary>
/// A container's security settings turned into OCI config, in containerd's order
/// (internal/cri/server container_create.go buildLinuxSpec): capabilities, then privileged over
/// them, no ambient or inheritable capabilities, no_new_privs, read-only root, masked paths per
/// procMount, seccomp, OOM score. Values this host refuses are clamped and listed.
/// </summary>
public sealed record SecurityOptions(
    List<string> Capabilities, bool Root, Seccomp? Seccomp, bool HidePaths, bool Privileged,
    IReadOnlyList<Device>? Devices, int? OomScoreAdj, IReadOnlyList<string> Clamped)
{
    /// <summary>Annotation listing what was clamped on this host (shown by <c>inspect</c> from config.json).</summary>
    public const string ClampedAnnotation = "io.sublet.clamped";

    public static SecurityOptions For(PodPlan pod, ContainerPlan container, ResolvedUser user, HostLimits host)
    {
        var security = container.Security;
        VerifyRunAsNonRoot(pod, container, user);
        var clamped = new List<string>();
        var caps = CapabilitySet.Resolve(security, host.Capabilities, clamped);
        return new SecurityOptions(
            caps,
            Root: user.Uid == 0,
            SeccompProfiles.For(security, caps),
            // containerd clears masked/readonly paths for privileged containers (oci.WithPrivileged)
            // and the kubelet sends none for procMount Unmasked (pkg/securitycontext ConvertToRuntimeMaskedPaths).
            HidePaths: !security.Privileged && !security.UnmaskedProc,
            security.Privileged,
            security.Privileged ? host.Devices() : null,
            ClampOomScore(container.OomScoreAdj, host.OomScoreAdj, clamped),
            clamped);
    }

    /// <summary>Kubernetes gives capabilities to bounding and permitted; effective only for UID 0, since the kernel clears them at exec for other users anyway (no ambient set).</summary>
    public Capabilities ProcessCapabilities() => new()
    {
        Bounding = Capabilities, Effective = Root ? [.. Capabilities] : [], Permitted = [.. Capabilities],
    };

    /// <summary>Privileged: every device allowed (oci.WithAllDevicesAllowed); otherwise runc's defaults only.</summary>
    public List<DeviceRule> DeviceRules() =>
        Privileged ? [new() { Allow = true, Access = "rwm" }] : SpecDefaults.DenyAllDevices();

    /// <summary>
    /// The kubelet's verifyRunAsNonRoot (pkg/kubelet/kuberuntime/security_context_others.go), with its
    /// messages: runAsUser 0, an image user that is root (USER unset counts as root), or a named image
    /// user it cannot check.
    /// </summary>
    public static void VerifyRunAsNonRoot(PodPlan pod, ContainerPlan container, ResolvedUser user)
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
        if (user.UnverifiableImageUser is { } name)
        {
            throw new PlanException($"container has runAsNonRoot and image has non-numeric user ({name}), cannot verify user is non-root {where}");
        }
        if (user.Uid == 0)
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
