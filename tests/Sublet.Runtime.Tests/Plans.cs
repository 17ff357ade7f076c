using Sublet.Images;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;

namespace Sublet.Runtime.Tests;

/// <summary>Small builders for plans and image configs, so each test states only what it varies.</summary>
internal static class Plans
{
    public static ContainerPlan Container(string name = "app", IReadOnlyList<string>? command = null, IReadOnlyList<string>? args = null,
        IReadOnlyList<EnvVar>? env = null, string? workingDir = null, long? runAsUser = null, long? runAsGroup = null) =>
        new()
        {
            Name = name,
            Image = "localhost/busybox:demo",
            Command = command,
            Args = args,
            Env = env ?? [],
            WorkingDir = workingDir,
            RunAsUser = runAsUser,
            RunAsGroup = runAsGroup,
        };

    public static PodPlan Pod(string name = "web", string? hostname = null, params ContainerPlan[] containers) =>
        new()
        {
            Name = name,
            Namespace = "default",
            Uid = "0b8f7e0e-0000-4000-8000-000000000001",
            Hostname = hostname,
            HostUsers = true,
            Containers = containers.Length > 0 ? containers : [Container()],
        };

    public static ImageConfig Image(IReadOnlyList<string>? entrypoint = null, IReadOnlyList<string>? cmd = null,
        IReadOnlyList<string>? env = null, string? workingDir = null, string? user = null) =>
        new(env ?? [], entrypoint, cmd, workingDir, user, StopSignal: null);

    /// <summary>A pod id as Sublet makes them: 32 hex digits, distinct per <paramref name="seed"/>.</summary>
    public static string PodId(int seed) => seed.ToString("x8", System.Globalization.CultureInfo.InvariantCulture).PadLeft(32, 'a');

    /// <summary>
    /// The OCI config the runtime core builds for a play pod's container: the sandbox play asked for
    /// (<see cref="Pods.PlaySandbox"/>) with its user namespace, the container it asks for
    /// (<see cref="Pods.PlayContainer"/>), no mounts.
    /// </summary>
    public static Oci.Spec PlaySpec(PodPlan pod, string podId, ContainerPlan container, string containerId, ImageConfig image, Oci.ResolvedUser user,
        string rootfs, Oci.SandboxNamespaces sandbox, Sublet.IdMapping.IdRange? userns, Oci.HostLimits? host = null) =>
        Sandboxes.CoreSpecs.Container(podId, Kubelet.Pods.PlaySandbox.For(pod) with { UserNamespace = userns }, containerId, Kubelet.Pods.PlayContainer.For(pod, container, image),
            image, user, rootfs, sandbox, [], host ?? Oci.HostLimits.Current);
}
