using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s;

namespace Sublet.Kubernetes.Yaml;

/// <summary>
/// KubernetesClient.Aot's own serializer options (its source-generated resolver and converters:
/// quantities, IntOrString, RFC 3339 times), made strict for reading manifests.
/// </summary>
internal static class ManifestJson
{
    private static readonly JsonSerializerOptions Strict = CreateStrict();

    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Strict.GetTypeInfo(typeof(T));

    private static JsonSerializerOptions CreateStrict()
    {
        JsonSerializerOptions? shared = null;
        KubernetesJson.AddJsonOptions(o => shared = o); // the only way to reach KubernetesJson's options; read, not changed
        var strict = new JsonSerializerOptions(shared!)
        {
            // As kubectl's default field validation (Strict): a misspelt field such as
            // "hostUser: false" must not be dropped silently, or the pod runs with less isolation
            // than it asked for.
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        };
        strict.Converters.Insert(0, new ScalarStringConverter());
        strict.MakeReadOnly();
        return strict;
    }
}
