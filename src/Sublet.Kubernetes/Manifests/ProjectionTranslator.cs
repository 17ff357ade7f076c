using k8s.Models;
using Sublet.Kubelet.Plan;

namespace Sublet.Kubernetes.Manifests;

/// <summary>
/// configMap, secret, downwardAPI and projected volume sources → <see cref="ProjectionPlan"/>:
/// references and field paths only (API validation of the fields happens before). Sources that
/// need an API server (serviceAccountToken, clusterTrustBundle, podCertificate) are refused by path.
/// </summary>
internal static class ProjectionTranslator
{
    /// <returns>The plan, or null when <paramref name="volume"/> is none of these kinds.</returns>
    public static ProjectionPlan? For(V1Volume volume, string path, V1PodSpec spec, List<string> problems)
    {
        if (volume.ConfigMap is { } cm)
        {
            return One("configMap", cm.DefaultMode, new ProjectionSource(path + ".configMap") { ConfigMap = Object(cm.Name, cm.Items, cm.Optional) });
        }
        if (volume.Secret is { } secret)
        {
            return One("secret", secret.DefaultMode, new ProjectionSource(path + ".secret") { Secret = Object(secret.SecretName, secret.Items, secret.Optional) });
        }
        if (volume.DownwardAPI is { } downward)
        {
            return One("downwardAPI", downward.DefaultMode, new ProjectionSource(path + ".downwardAPI")
            {
                DownwardApi = Downward(downward.Items, path + ".downwardAPI", spec, problems),
            });
        }
        if (volume.Projected is not { } projected)
        {
            return null;
        }
        var sources = new List<ProjectionSource>();
        for (var i = 0; i < (projected.Sources?.Count ?? 0); i++)
        {
            var s = projected.Sources![i];
            var field = $"{path}.projected.sources[{i}]";
            if (s.ConfigMap is { } c) sources.Add(new ProjectionSource(field + ".configMap") { ConfigMap = Object(c.Name, c.Items, c.Optional) });
            if (s.Secret is { } sec) sources.Add(new ProjectionSource(field + ".secret") { Secret = Object(sec.Name, sec.Items, sec.Optional) });
            if (s.DownwardAPI is { } d) sources.Add(new ProjectionSource(field + ".downwardAPI") { DownwardApi = Downward(d.Items, field + ".downwardAPI", spec, problems) });
            NoApiServer(problems, s.ServiceAccountToken is not null, field + ".serviceAccountToken", "service account tokens");
            NoApiServer(problems, s.ClusterTrustBundle is not null, field + ".clusterTrustBundle", "ClusterTrustBundle objects");
            NoApiServer(problems, s.PodCertificate is not null, field + ".podCertificate", "pod certificates");
        }
        return One("projected", projected.DefaultMode, [.. sources]);
    }

    private static ProjectionPlan One(string kind, int? defaultMode, params ProjectionSource[] sources) => new()
    {
        Kind = kind, DefaultMode = defaultMode ?? ProjectionPlan.DefaultFileMode, Sources = sources,
    };

    private static ObjectProjection Object(string? name, IList<V1KeyToPath>? items, bool? optional) =>
        new(name ?? "", items?.Select(i => new KeyToPath(i.Key, i.Path, i.Mode)).ToList(), optional == true);

    private static List<DownwardFile> Downward(IList<V1DownwardAPIVolumeFile>? items, string field, V1PodSpec spec, List<string> problems)
    {
        var files = new List<DownwardFile>();
        for (var i = 0; i < (items?.Count ?? 0); i++)
        {
            var item = items![i];
            files.Add(new DownwardFile(item.Path, item.Mode)
            {
                FieldPath = item.FieldRef?.FieldPath,
                Resource = item.ResourceFieldRef is { } r ? Resource(r, $"{field}.items[{i}].resourceFieldRef", spec, problems) : null,
            });
        }
        return files;
    }

    /// <summary>The container's quantities of the resource as written; <see cref="DownwardFiles"/> resolves unset ones.</summary>
    private static ResourceField? Resource(V1ResourceFieldSelector selector, string field, V1PodSpec spec, List<string> problems)
    {
        var container = (spec.Containers ?? []).Concat(spec.InitContainers ?? []).FirstOrDefault(c => c.Name == selector.ContainerName);
        if (selector.Resource is not ("limits.cpu" or "limits.memory" or "limits.ephemeral-storage" or "requests.cpu" or "requests.memory" or "requests.ephemeral-storage"))
        {
            problems.Add($"{field}.resource: Unsupported value: \"{selector.Resource}\": supported values: \"limits.cpu\", \"limits.memory\", \"limits.ephemeral-storage\", \"requests.cpu\", \"requests.memory\", \"requests.ephemeral-storage\"");
            return null;
        }
        if (container is null)
        {
            problems.Add($"{field}.containerName: Invalid value: \"{selector.ContainerName}\": must be the name of a container in the pod");
            return null;
        }
        var name = selector.Resource.Split('.')[1];
        var limit = container.Resources?.Limits?.TryGetValue(name, out var l) == true ? l?.ToString() : null;
        var request = container.Resources?.Requests?.TryGetValue(name, out var q) == true ? q?.ToString() : null;
        return new ResourceField(selector.ContainerName ?? "", selector.Resource, selector.Divisor?.ToString() ?? "", limit, request);
    }

    private static void NoApiServer(List<string> problems, bool present, string path, string what)
    {
        if (present)
        {
            problems.Add($"{path}: Unsupported value: sublet has no API server to issue {what}, and will not run the pod without it");
        }
    }
}
