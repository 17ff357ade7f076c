using Sublet.Images;
using Sublet.Runtime.Plan;

namespace Sublet.Runtime.Oci;

/// <summary>Where a container's namespaces come from: the sandbox's pause process.</summary>
public sealed record SandboxNamespaces(int PausePid, string ProcRoot = "/proc")
{
    public string Path(string kind) => $"{ProcRoot}/{PausePid}/ns/{kind}";
}

/// <summary>
/// The Kubernetes rules a play container's process takes from its plan before the runtime core
/// builds its OCI config (<see cref="Pods.PlayContainer"/>). Pure: unit-tested without root.
/// </summary>
public static class SpecBuilder
{
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

    /// <summary>The kubelet uses the pod name as hostname, cut to 63 characters (pkg/kubelet/util GeneratePodHostNameAndDomain).</summary>
    public static string Hostname(PodPlan pod)
    {
        var name = pod.HostNetwork ? System.Environment.MachineName : pod.Hostname ?? pod.Name;
        return name.Length > 63 ? name[..63].TrimEnd('-', '.') : name;
    }
}

/// <summary>The user a container process runs as, after manifest and image USER were combined.</summary>
public sealed record ResolvedUser(uint Uid, uint Gid, IReadOnlyList<uint> AdditionalGids);

/// <summary>A plan that cannot be run as asked (bad command, unknown user): a user error, not a runtime failure.</summary>
public sealed class PlanException(string message) : Exception(message);
