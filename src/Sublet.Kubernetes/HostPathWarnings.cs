using k8s.Models;
using Sublet.Runtime.Config;

namespace Sublet.Kubernetes;

/// <summary>One writable hostPath of a user-namespaced pod that is idmapped to host IDs.</summary>
/// <param name="Field">The volume's field, e.g. <c>spec.volumes[2].hostPath</c>.</param>
public sealed record HostPathWarning(string Volume, string Field, string Message, string Fix)
{
    public override string ToString() => $"{Message}; {Fix}";
}

/// <summary>
/// Issue 19 hole 5. Through a hostPath idmapped to host IDs (upstream's behaviour, and
/// <c>userNamespaces.hostPathIdmap: host</c>), what a user-namespaced pod's root creates is owned
/// by host root on disk, set-user-ID programs and file capabilities included: any host user who
/// can reach the directory then runs them as root. Upstream says nothing (hostPath is a privileged
/// volume either way); <c>check</c>, <c>play</c> and <c>doctor</c> name each such volume. A volume
/// every container mounts read-only is not one, nor any hostPath under <c>hostPathIdmap: pod</c>,
/// where the pod writes as its own host IDs.
/// </summary>
public static class HostPathWarnings
{
    public static IReadOnlyList<HostPathWarning> For(V1Pod pod, string hostPathIdmap)
    {
        if (pod.Spec is not { HostUsers: false } spec || hostPathIdmap != UserNamespacesConfig.HostIds)
        {
            return [];
        }
        var writable = (spec.InitContainers ?? []).SelectMany(c => c.VolumeMounts ?? [])
            .Concat((spec.Containers ?? []).SelectMany(c => c.VolumeMounts ?? []))
            .Concat((spec.EphemeralContainers ?? []).SelectMany(c => c.VolumeMounts ?? []))
            .Where(m => m.ReadOnlyProperty != true)
            .Select(m => m.Name)
            .ToHashSet();
        var warnings = new List<HostPathWarning>();
        var volumes = spec.Volumes ?? [];
        for (var i = 0; i < volumes.Count; i++)
        {
            if (volumes[i] is { HostPath.Path: { } path, Name: var name } && writable.Contains(name))
            {
                warnings.Add(new HostPathWarning(name, $"spec.volumes[{i}].hostPath",
                    $"volume \"{name}\" (hostPath {path}) is writable by a pod with hostUsers: false and idmapped to host IDs: "
                    + "what the pod's root creates there is owned by host root, set-user-ID programs and file capabilities included, "
                    + "and any host user who can reach the directory can run them as root",
                    $"mount it readOnly, or set userNamespaces.hostPathIdmap: {UserNamespacesConfig.PodIds} in the node configuration (the pod then writes as its own host IDs)"));
            }
        }
        return warnings;
    }
}
