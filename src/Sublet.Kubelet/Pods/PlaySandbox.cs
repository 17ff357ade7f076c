using Sublet.Kubelet.Plan;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// The sandbox a <c>play</c> pod asks the runtime core for: what the kubelet's
/// generatePodSandboxConfig makes of a Pod (pkg/kubelet/kuberuntime/kuberuntime_sandbox.go), with
/// the pod-level cgroup settings of its pod container manager. The user namespace's range is
/// chosen from the pool when the sandbox is recorded (<see cref="RuntimeCore.RunSandbox(SandboxConfig, Func{IReadOnlyList{Sublet.IdMapping.IdRange}, Sublet.IdMapping.IdRange}?)"/>).
/// </summary>
public static class PlaySandbox
{
    public static SandboxConfig For(PodPlan plan) => new()
    {
        Name = plan.Name,
        Namespace = plan.Namespace,
        Uid = plan.Uid,
        Hostname = plan.HostNetwork ? "" : Hostname(plan),
        Labels = plan.Labels,
        Annotations = plan.Annotations,
        PodCgroup = PodResources.For(plan),
        Network = plan.HostNetwork ? NamespaceScope.Node : NamespaceScope.Pod,
        // The pause always has a PID namespace of its own; with shareProcessNamespace the containers join it.
        Pid = plan.ShareProcessNamespace ? NamespaceScope.Pod : NamespaceScope.Container,
        Ipc = NamespaceScope.Pod,
        // The kubelet sets the sandbox privileged when any container is (the pause then holds a writable sysfs).
        Privileged = plan.InitContainers.Concat(plan.Containers).Any(c => c.Security.Privileged),
        Sysctls = plan.Sysctls.ToDictionary(s => s.Name, s => s.Value),
        PortMappings = plan.PortMappings,
        Owner = Owner.Play,
    };

    /// <summary>The kubelet uses the pod name as hostname, cut to 63 characters (pkg/kubelet/util GeneratePodHostNameAndDomain).</summary>
    public static string Hostname(PodPlan pod)
    {
        var name = pod.HostNetwork ? System.Environment.MachineName : pod.Hostname ?? pod.Name;
        return name.Length > 63 ? name[..63].TrimEnd('-', '.') : name;
    }
}
