using System.Text.Json.Nodes;
using Sublet.Kubernetes.Yaml;
using k8s.Models;
using Sublet.Kubernetes.Env;
using Sublet.Runtime.State;

namespace Sublet.Kubernetes.Manifests;

/// <summary>One object <see cref="ObjectLookup.Store"/> wrote, as kubectl apply reports it: <c>configmap/app created</c>.</summary>
public sealed record AppliedObject(string Kind, string Namespace, string Name, PutOutcome Outcome)
{
    public override string ToString() => $"{Kind.ToLowerInvariant()}/{Name} {Outcome.ToString().ToLowerInvariant()}";
}

/// <summary>
/// Finds the ConfigMap and Secret objects a pod refers to: those of the pod's own manifest file
/// first (so <c>play</c> of one file works on its own, as after <c>kubectl apply -f</c> of it),
/// then the object store that <c>apply</c> fills. Either source may be absent.
/// </summary>
public sealed class ObjectLookup(Manifest? file, IObjectStore? store) : IKubeObjects
{
    /// <summary>No objects at all.</summary>
    public static readonly ObjectLookup None = new(null, null);

    public const string ConfigMapKind = "ConfigMap", SecretKind = "Secret", NamespaceKind = "Namespace";

    public V1Namespace? Namespace(string name) =>
        file?.Namespaces.LastOrDefault(n => n.Metadata?.Name == name) ?? Stored<V1Namespace>(NamespaceKind, "", name);

    public V1ConfigMap? ConfigMap(string ns, string name) =>
        file?.ConfigMaps.LastOrDefault(c => Matches(c.Metadata, ns, name)) ?? Stored<V1ConfigMap>(ConfigMapKind, ns, name);

    /// <summary>The secret as the API server keeps it: <c>stringData</c> merged into <c>data</c>.</summary>
    public V1Secret? Secret(string ns, string name) =>
        file?.Secrets.LastOrDefault(s => Matches(s.Metadata, ns, name)) is { } s ? Normalized(s) : Stored<V1Secret>(SecretKind, ns, name);

    /// <summary>
    /// Stores the file's Namespace, ConfigMap and Secret objects (namespaces first, as kubectl
    /// orders them), each as <c>kubectl apply</c> would: created, configured or unchanged.
    /// </summary>
    /// <exception cref="ManifestException">An object the API server would refuse; nothing is stored then.</exception>
    public static IReadOnlyList<AppliedObject> Store(Manifest manifest, IObjectStore store)
    {
        if (Validation.ObjectValidator.Check(manifest) is { Count: > 0 } invalid)
        {
            throw new ManifestException($"{manifest.Source}: {string.Join("\n", invalid)}");
        }
        var applied = new List<AppliedObject>();
        void Put(string kind, V1ObjectMeta? meta, object obj, bool namespaced)
        {
            var ns = namespaced ? NamespaceOf(meta) : "";
            var name = meta?.Name;
            if (string.IsNullOrEmpty(name))
            {
                throw new ManifestException($"{manifest.Source}: a {kind} has no metadata.name");
            }
            applied.Add(new AppliedObject(kind, ns, name, store.PutObject(kind, ns, name, Canonical(obj))));
        }
        foreach (var n in manifest.Namespaces) Put(NamespaceKind, n.Metadata, n, namespaced: false);
        foreach (var c in manifest.ConfigMaps) Put(ConfigMapKind, c.Metadata, c, namespaced: true);
        foreach (var s in manifest.Secrets) Put(SecretKind, s.Metadata, Normalized(s), namespaced: true);
        return applied;
    }

    /// <summary>An object without metadata.namespace goes to "default", as kubectl's default context namespace.</summary>
    public static string NamespaceOf(V1ObjectMeta? meta) => meta?.NamespaceProperty is { Length: > 0 } ns ? ns : "default";

    private static bool Matches(V1ObjectMeta? meta, string ns, string name) => meta?.Name == name && NamespaceOf(meta) == ns;

    private T? Stored<T>(string kind, string ns, string name) where T : class =>
        store?.GetObject(kind, ns, name) is { } stored ? ManifestJson.Deserialize<T>(stored.Json) : null;

    /// <summary>The API server writes stringData over data and drops it (pkg/apis/core/v1 conversion of Secret).</summary>
    private static V1Secret Normalized(V1Secret secret)
    {
        if (secret.StringData is not { Count: > 0 } strings)
        {
            return secret;
        }
        var data = secret.Data is null ? new Dictionary<string, byte[]>() : new Dictionary<string, byte[]>(secret.Data);
        foreach (var (key, value) in strings)
        {
            data[key] = System.Text.Encoding.UTF8.GetBytes(value);
        }
        return new V1Secret
        {
            ApiVersion = secret.ApiVersion, Kind = secret.Kind, Metadata = secret.Metadata, Type = secret.Type,
            Immutable = secret.Immutable, Data = data,
        };
    }

    /// <summary>The object's JSON with object keys sorted, so the same content in another key order is "unchanged".</summary>
    internal static string Canonical(object obj) => Sorted(JsonNode.Parse(ManifestJson.Serialize(obj)))?.ToJsonString() ?? "null";

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };
}
