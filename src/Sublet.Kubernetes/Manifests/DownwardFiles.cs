using System.Text;
using k8s.Models;
using Sublet.Kubernetes.Env;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Volumes;
using Sublet.Runtime.Volumes;

namespace Sublet.Kubernetes.Manifests;

/// <summary>
/// The files of downwardAPI items (pkg/volume/downwardapi CollectData): each value as the
/// downward API computes it for env too (<see cref="DownwardApi"/>), from what the plan kept.
/// </summary>
internal static class DownwardFiles
{
    public static IEnumerable<ProjectedFile> Files(PodPlan plan, IReadOnlyList<DownwardFile> items, int defaultMode, NodeFacts node)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = plan.Name, NamespaceProperty = plan.Namespace, Uid = plan.Uid,
                Labels = new Dictionary<string, string>(plan.Labels), Annotations = new Dictionary<string, string>(plan.Annotations),
            },
        };
        return items.Select(item => new ProjectedFile(item.Path, Encoding.UTF8.GetBytes(Value(pod, plan.Uid, item, node)), item.Mode ?? defaultMode));
    }

    private static string Value(V1Pod pod, string uid, DownwardFile item, NodeFacts node)
    {
        if (item.FieldPath is { } field)
        {
            return DownwardApi.Field(pod, uid, field, node, []) ?? throw new ProjectionException($"unsupported fieldPath: {field}");
        }
        if (item.Resource is not { } r)
        {
            return "";
        }
        // The container as far as this resource goes: the quantities the plan kept.
        var name = r.Resource.Split('.', 2)[^1];
        var container = new V1Container
        {
            Name = r.ContainerName,
            Resources = new V1ResourceRequirements
            {
                Limits = r.Limit is { } l ? new Dictionary<string, ResourceQuantity> { [name] = new(l) } : null,
                Requests = r.Request is { } q ? new Dictionary<string, ResourceQuantity> { [name] = new(q) } : null,
            },
        };
        var divisor = string.IsNullOrEmpty(r.Divisor) ? null : new ResourceQuantity(r.Divisor);
        return DownwardApi.Resource(container, r.Resource, divisor, node) ?? throw new ProjectionException($"unsupported resource: {r.Resource}");
    }
}
