using System.Runtime.InteropServices;
using k8s.Models;

namespace Sublet.Kubernetes.Admission;

/// <summary>The node a pod is admitted to: its name and labels, as the kubelet registers them.</summary>
public sealed record NodeIdentity(string Name, IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>
    /// This machine as a kubelet without --hostname-override or --node-labels registers it: the
    /// lower-cased hostname, and the default labels kubernetes.io/hostname, kubernetes.io/os,
    /// kubernetes.io/arch and their beta.kubernetes.io twins (pkg/kubelet/kubelet_node_status.go
    /// initialNode).
    /// </summary>
    public static NodeIdentity Local() => For(System.Net.Dns.GetHostName(), GoArch(RuntimeInformation.OSArchitecture));

    public static NodeIdentity For(string hostname, string arch)
    {
        var name = hostname.ToLowerInvariant();
        return new NodeIdentity(name, new Dictionary<string, string>
        {
            ["kubernetes.io/hostname"] = name,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = arch,
            ["beta.kubernetes.io/os"] = "linux",
            ["beta.kubernetes.io/arch"] = arch,
        });
    }

    /// <summary>runtime.GOARCH names.</summary>
    private static string GoArch(Architecture arch) => arch switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        Architecture.X86 => "386",
        Architecture.S390x => "s390x",
        Architecture.Ppc64le => "ppc64le",
        Architecture.RiscV64 => "riscv64",
        _ => arch.ToString().ToLowerInvariant(),
    };
}

/// <summary>A kubelet admission refusal: the pod's status reason and message.</summary>
public sealed record NodeRefusal(string Reason, string Message);

/// <summary>
/// The kubelet's own admission of a pod the API server accepted (pkg/kubelet/lifecycle/predicate.go
/// predicateAdmitHandler.Admit): the pod's kubernetes.io/os label and spec.os against the node, then
/// the scheduler's admission checks that concern one node — NodeAffinity (nodeSelector plus
/// required node affinity), then NodeName. Sublet is the only node, so there is no scheduler to
/// place the pod elsewhere: a pod that does not fit is refused with the kubelet's reason, as the
/// kubelet fails it. Resource fit, host ports and NoExecute taints are not checked (Sublet has no
/// allocatable accounting or taints).
/// </summary>
public static class NodeAdmission
{
    public static NodeRefusal? Admit(V1Pod pod, NodeIdentity node)
    {
        var os = node.Labels.TryGetValue("kubernetes.io/os", out var nodeOs) ? nodeOs : "linux";
        if (pod.Metadata?.Labels is { } labels && labels.TryGetValue("kubernetes.io/os", out var podOs) && podOs != os)
            return new("PodOSSelectorNodeLabelDoesNotMatch", "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label");
        if (pod.Spec?.Os?.Name is { } osName && osName != "linux")
            return new("PodOSNotSupported", "Failed to admit pod as the OS field doesn't match node OS");
        // scheduler.AdmissionCheck checks NodeAffinity before NodeName; the kubelet reports the first failure.
        if (!NodeAffinityMatch.Matches(pod.Spec, node))
            return Predicate("NodeAffinity", "node(s) didn't match Pod's node affinity/selector");
        if (pod.Spec?.NodeName is { Length: > 0 } nodeName && nodeName != node.Name)
            return Predicate("NodeName", "node(s) didn't match the requested node name");
        return null;
    }

    /// <summary>PredicateFailureError: "Predicate NAME failed: REASON", with NAME as the status reason.</summary>
    private static NodeRefusal Predicate(string name, string reason) => new(name, $"Predicate {name} failed: {reason}");
}
