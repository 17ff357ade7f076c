using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;

namespace Sublet.Kubernetes.Yaml;

/// <summary>
/// The serializer of the objects Sublet reads and stores: KubernetesJson's settings (camelCase,
/// nulls left out, its RFC 3339 time converters; quantities and IntOrString carry their own), but
/// only the kinds <see cref="Manifests.ManifestReader"/> accepts and the types they reach.
/// KubernetesJson's context lists every Kubernetes model, and with it the AOT binary kept all of
/// them and their JSON metadata: over a third of its size, rebuilt at every start (issue 23).
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true,
    Converters = [typeof(KubernetesJson.Iso8601TimeSpanConverter), typeof(KubernetesJson.KubernetesDateTimeConverter),
        typeof(KubernetesJson.KubernetesDateTimeOffsetConverter)])]
[JsonSerializable(typeof(V1Pod))]
[JsonSerializable(typeof(V1Namespace))]
[JsonSerializable(typeof(V1ConfigMap))]
[JsonSerializable(typeof(V1Secret))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;

internal static class ManifestJson
{
    /// <summary>For manifests: as kubectl's default field validation (Strict), an unknown field is an error.</summary>
    private static readonly JsonSerializerOptions Strict = CreateStrict();

    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Strict.GetTypeInfo(typeof(T));

    /// <summary>What the object store holds, read back as written.</summary>
    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize(json, (JsonTypeInfo<T>)ManifestJsonContext.Default.GetTypeInfo(typeof(T))!);

    public static string Serialize(object value) => JsonSerializer.Serialize(value, ManifestJsonContext.Default.GetTypeInfo(value.GetType())!);

    private static JsonSerializerOptions CreateStrict()
    {
        var strict = new JsonSerializerOptions(ManifestJsonContext.Default.Options)
        {
            // A misspelt field such as "hostUser: false" must not be dropped silently, or the pod
            // runs with less isolation than it asked for.
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        };
        strict.Converters.Insert(0, new ScalarStringConverter());
        foreach (var deferred in Deferred())
        {
            strict.Converters.Add(deferred);
        }
        strict.MakeReadOnly();
        return strict;
    }

    /// <summary>
    /// The parts of a Pod that Sublet reads only when a manifest has them, each configured on first
    /// use (<see cref="DeferredConverter{T}"/>): the spec's and the containers' optional sections and
    /// their large subtrees (probes, lifecycle handlers, volume sources, scheduling, status).
    /// </summary>
    private static JsonConverter[] Deferred() =>
    [
        new DeferredConverter<V1PodStatus>(), new DeferredConverter<V1ManagedFieldsEntry>(), new DeferredConverter<V1OwnerReference>(),
        new DeferredConverter<V1Affinity>(), new DeferredConverter<V1Toleration>(), new DeferredConverter<V1TopologySpreadConstraint>(),
        new DeferredConverter<V1PodSecurityContext>(), new DeferredConverter<V1PodDNSConfig>(), new DeferredConverter<V1HostAlias>(),
        new DeferredConverter<V1PodOS>(), new DeferredConverter<V1PodReadinessGate>(), new DeferredConverter<V1PodResourceClaim>(),
        new DeferredConverter<V1PodSchedulingGate>(), new DeferredConverter<V1EphemeralContainer>(), new DeferredConverter<V1Volume>(),
        new DeferredConverter<V1EphemeralVolumeSource>(), new DeferredConverter<V1CSIVolumeSource>(), new DeferredConverter<V1ISCSIVolumeSource>(),
        new DeferredConverter<V1RBDVolumeSource>(), new DeferredConverter<V1CephFSVolumeSource>(), new DeferredConverter<V1ScaleIOVolumeSource>(),
        new DeferredConverter<V1StorageOSVolumeSource>(), new DeferredConverter<V1FlexVolumeSource>(), new DeferredConverter<V1ProjectedVolumeSource>(),
        new DeferredConverter<V1Probe>(), new DeferredConverter<V1Lifecycle>(), new DeferredConverter<V1SecurityContext>(),
        new DeferredConverter<V1ResourceRequirements>(), new DeferredConverter<V1EnvVar>(), new DeferredConverter<V1EnvFromSource>(),
        new DeferredConverter<V1ContainerPort>(), new DeferredConverter<V1VolumeMount>(), new DeferredConverter<V1VolumeDevice>(),
        new DeferredConverter<V1ContainerResizePolicy>(), new DeferredConverter<V1ContainerRestartRule>(),
    ];
}
