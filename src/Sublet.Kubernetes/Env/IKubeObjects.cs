using k8s.Models;

namespace Sublet.Kubernetes.Env;

/// <summary>Where a pod's ConfigMaps and Secrets come from (its manifest file, then the store).</summary>
public interface IKubeObjects
{
    V1ConfigMap? ConfigMap(string ns, string name);

    V1Secret? Secret(string ns, string name);
}

/// <summary>The ConfigMaps and Secrets given in a list (those of one manifest file).</summary>
public sealed class ListedObjects(IReadOnlyList<V1ConfigMap> configMaps, IReadOnlyList<V1Secret> secrets) : IKubeObjects
{
    public static readonly ListedObjects None = new([], []);

    public V1ConfigMap? ConfigMap(string ns, string name) =>
        configMaps.LastOrDefault(c => c.Metadata?.Name == name && (c.Metadata.NamespaceProperty ?? "default") == ns);

    public V1Secret? Secret(string ns, string name) =>
        secrets.LastOrDefault(s => s.Metadata?.Name == name && (s.Metadata.NamespaceProperty ?? "default") == ns);
}
