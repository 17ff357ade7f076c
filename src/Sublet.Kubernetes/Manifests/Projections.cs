using System.Text;
using Sublet.Kubernetes.Env;
using Sublet.Runtime.Oci;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Volumes;
using Sublet.Runtime.Volumes;

namespace Sublet.Kubernetes.Manifests;

/// <summary>
/// The files of a configMap, secret, downwardAPI or projected volume, by the kubelet's rules
/// (pkg/volume/configmap MakePayload, pkg/volume/secret MakePayload, pkg/volume/projected
/// collectData): every key when there are no items; items pick keys and rename them; a file's
/// mode is its item's or the volume's defaultMode; a missing object or key fails unless the
/// source is optional; in a projected volume a later source wins a path.
/// </summary>
public static class Projections
{
    public static IReadOnlyList<ProjectedFile> Files(PodPlan plan, VolumePlan volume, IKubeObjects lookup, NodeFacts node)
    {
        var projection = volume.Projection ?? throw new ArgumentException($"volume {volume.Name} is not projected", nameof(volume));
        var payload = new SortedDictionary<string, ProjectedFile>(StringComparer.Ordinal);
        foreach (var source in projection.Sources)
        {
            try
            {
                var files = source.ConfigMap is { } cm ? ConfigMap(plan.Namespace, cm, projection.DefaultMode, lookup)
                    : source.Secret is { } secret ? Secret(plan.Namespace, secret, projection.DefaultMode, lookup)
                    : source.DownwardApi is { } items ? DownwardFiles.Files(plan, items, projection.DefaultMode, node)
                    : [];
                foreach (var file in files)
                {
                    AtomicWriter.Validate(file.Path); // a key from an object that skipped validation must not name a path outside
                    payload[file.Path] = file;
                }
            }
            catch (Exception e) when (e is ProjectionException or PlanException)
            {
                throw new PlanException($"volume \"{volume.Name}\": {source.Field}: {e.Message}");
            }
        }
        return payload.Values.ToList();
    }

    private static IEnumerable<ProjectedFile> ConfigMap(string ns, ObjectProjection source, int defaultMode, IKubeObjects lookup)
    {
        var map = lookup.ConfigMap(ns, source.Name);
        if (map is null)
        {
            // The API server's NotFound, which the kubelet passes on (status.go NewNotFound).
            return source.Optional ? [] : throw new ProjectionException($"configmaps \"{source.Name}\" not found");
        }
        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in map.BinaryData ?? new Dictionary<string, byte[]>()) data[key] = value;
        foreach (var (key, value) in map.Data ?? new Dictionary<string, string>()) data[key] = Encoding.UTF8.GetBytes(value);
        return Payload(data, source, defaultMode, "configmap references non-existent config key");
    }

    private static IEnumerable<ProjectedFile> Secret(string ns, ObjectProjection source, int defaultMode, IKubeObjects lookup)
    {
        var secret = lookup.Secret(ns, source.Name);
        if (secret is null)
        {
            return source.Optional ? [] : throw new ProjectionException($"secrets \"{source.Name}\" not found");
        }
        return Payload(new Dictionary<string, byte[]>(secret.Data ?? new Dictionary<string, byte[]>(), StringComparer.Ordinal),
            source, defaultMode, "references non-existent secret key");
    }

    private static List<ProjectedFile> Payload(IReadOnlyDictionary<string, byte[]> data, ObjectProjection source, int defaultMode, string missingKey)
    {
        if (source.Items is not { Count: > 0 } items)
        {
            return data.Select(kv => new ProjectedFile(kv.Key, kv.Value, defaultMode)).ToList();
        }
        var files = new List<ProjectedFile>();
        foreach (var item in items)
        {
            if (data.TryGetValue(item.Key, out var content))
            {
                files.Add(new ProjectedFile(item.Path, content, item.Mode ?? defaultMode));
            }
            else if (!source.Optional)
            {
                throw new ProjectionException($"{missingKey}: {item.Key}");
            }
        }
        return files;
    }
}

/// <summary>A source can't be projected; <see cref="Projections"/> adds the volume and field.</summary>
internal sealed class ProjectionException(string message) : Exception(message);

/// <summary>The runtime's view of projections: <see cref="Projections"/> over an object lookup and the node (read when first needed).</summary>
public sealed class VolumeContent(IKubeObjects lookup, Func<NodeFacts> node) : IVolumeContent
{
    private readonly Lazy<NodeFacts> _node = new(node);

    public IReadOnlyList<ProjectedFile> Files(PodPlan plan, VolumePlan volume) => Projections.Files(plan, volume, lookup, _node.Value);
}
