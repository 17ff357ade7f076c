using Sublet.Images;
using Sublet.Kubelet.Plan;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// The container a <c>play</c> pod asks the runtime core for: what the kubelet's
/// generateContainerConfig makes of a Pod's container (pkg/kubelet/kuberuntime/kuberuntime_container.go),
/// every value final. <see cref="ContainerRunner"/> adds the mounts and log path and hands it to
/// the runtime core, whose builder (<see cref="CoreSpecs.Container"/>) makes a CRI container's OCI
/// config too, so both front ends run a container one way.
/// </summary>
public static class PlayContainer
{
    public static ContainerConfig For(PodPlan pod, ContainerPlan container, ImageConfig image) => new()
    {
        Name = container.Name,
        Image = container.Image,
        // Kubernetes' command and args rules applied here, so a container without any says so in play's words.
        Command = Arguments(container, image),
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
        Resources = ResourceConversion.Linux(container.Resources) with { OomScoreAdj = container.OomScoreAdj ?? 0 },
    };

    /// <summary>
    /// Kubernetes' command/args rules (Container.command and .args, "Define a command and
    /// arguments"): command replaces ENTRYPOINT and drops CMD; args alone replace CMD.
    /// </summary>
    public static IReadOnlyList<string> Arguments(ContainerPlan container, ImageConfig image)
    {
        IEnumerable<string> args = container.Command is { Count: > 0 } command
            ? command.Concat(container.Args ?? [])
            : (image.Entrypoint ?? []).Concat(container.Args is { Count: > 0 } args2 ? args2 : image.Cmd ?? []);
        var list = args.ToList();
        return list.Count > 0 ? list
            : throw new PlanException($"container \"{container.Name}\": no command specified: the image has no ENTRYPOINT or CMD and the manifest sets no command");
    }
}
