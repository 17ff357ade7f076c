using Sublet.Kubelet.Plan;
using Sublet.Runtime.Sandboxes;
using k8s.Models;

namespace Sublet.Kubernetes.Manifests;

/// <summary>
/// Maps <c>volumeMounts</c> entries and <c>emptyDir</c> sources, already checked by the API-server
/// validation (Validation/ContainerValidator), onto the plan.
/// </summary>
public static class VolumeMountTranslator
{
    public static VolumeMountPlan Mount(V1VolumeMount vm) =>
        new(vm.Name ?? "", vm.MountPath ?? "", vm.ReadOnlyProperty == true)
        {
            SubPath = vm.SubPath ?? "",
            SubPathExpr = vm.SubPathExpr ?? "",
            Propagation = vm.MountPropagation switch
            {
                "HostToContainer" => MountPropagation.HostToContainer,
                "Bidirectional" => MountPropagation.Bidirectional,
                _ => MountPropagation.None,
            },
            RecursiveReadOnly = vm.RecursiveReadOnly switch
            {
                "IfPossible" => RecursiveReadOnly.IfPossible,
                "Enabled" => RecursiveReadOnly.Enabled,
                _ => RecursiveReadOnly.Disabled,
            },
        };

    /// <summary><c>emptyDir</c> on disk, or on tmpfs with <c>medium: Memory</c>; huge pages are refused by path.</summary>
    public static VolumePlan EmptyDir(string name, V1EmptyDirVolumeSource source, string path, List<string> problems)
    {
        if (source.Medium is { Length: > 0 } medium && medium != "Memory")
        {
            problems.Add($"{path}.emptyDir.medium: Unsupported value: \"{medium}\": supported values: \"\", \"Memory\"");
        }
        // Quantity.Value: rounded up to whole bytes (apimachinery resource.Quantity).
        var limit = source.SizeLimit is { } q ? (long?)Math.Ceiling(q.ToDecimal()) : null;
        return new VolumePlan { Name = name, EmptyDir = true, InMemory = source.Medium == "Memory", SizeLimitBytes = limit };
    }
}
