using Sublet.IdMapping;
using Sublet.Images;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Plan;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Runtime.Pods;

/// <summary>
/// The container a <c>play</c> pod asks the runtime core for: what the kubelet's
/// generateContainerConfig makes of a Pod's container (pkg/kubelet/kuberuntime/kuberuntime_container.go),
/// every value final. Its OCI config then comes from the same builder as a CRI container's
/// (<see cref="CoreSpecs.Container"/>), so both front ends run a container one way.
/// </summary>
public static class PlayContainer
{
    public static ContainerConfig For(PodPlan pod, ContainerPlan container, ImageConfig image) => new()
    {
        Name = container.Name,
        Image = container.Image,
        // Kubernetes' command and args rules applied here, so a container without any says so in play's words.
        Command = SpecBuilder.Arguments(container, image),
        WorkingDir = container.WorkingDir ?? "",
        Env = [.. container.Env.Select(e => new KeyValuePair<string, string>(e.Name, e.Value))],
        Stdin = container.Stdin,
        StdinOnce = container.StdinOnce,
        Tty = container.Tty,
        Annotations = new Dictionary<string, string>
        {
            ["io.kubernetes.pod.name"] = pod.Name,
            ["io.kubernetes.pod.namespace"] = pod.Namespace,
        },
        Security = new ProcessSecurity
        {
            Privileged = container.Security.Privileged,
            AddCapabilities = container.Security.AddCapabilities,
            DropCapabilities = container.Security.DropCapabilities,
            RunAsUser = container.RunAsUser,
            RunAsGroup = container.RunAsGroup,
            SupplementalGroups = container.Security.SupplementalGroups,
            SupplementalGroupsPolicy = container.Security.SupplementalGroupsPolicy,
            ReadOnlyRootfs = container.Security.ReadOnlyRootFilesystem,
            NoNewPrivileges = container.Security.NoNewPrivileges,
            Seccomp = container.Security.Seccomp,
            UnmaskedProc = container.Security.UnmaskedProc,
        },
        Resources = CgroupResources.Linux(container.Resources) with { OomScoreAdj = container.OomScoreAdj ?? 0 },
    };

    /// <summary>
    /// The OCI config of <paramref name="container"/> in its pod's sandbox (pause
    /// <paramref name="sandbox"/>, user namespace <paramref name="userns"/>), after the kubelet's
    /// runAsNonRoot check on the resolved user. Volume and /etc mounts are added by the caller.
    /// </summary>
    public static Spec Spec(PodPlan pod, string podId, ContainerPlan container, string containerId, ImageConfig image, ResolvedUser user,
        string rootfs, SandboxNamespaces sandbox, IdRange? userns, HostLimits? host = null)
    {
        SecurityOptions.VerifyRunAsNonRoot(pod, container, user);
        return CoreSpecs.Container(podId, PlaySandbox.For(pod) with { UserNamespace = userns }, containerId, For(pod, container, image),
            image, user, rootfs, sandbox, [], host ?? HostLimits.Current);
    }
}
