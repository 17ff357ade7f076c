using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Sublet.Images;

// The JSON documents an import reads, with only the fields used. Names follow image-spec
// descriptor.md, image-index.md, manifest.md, config.md, and docker's image/spec/v1.2.md for
// manifest.json of `docker save`.

internal sealed record Platform(
    [property: JsonPropertyName("os")] string? Os,
    [property: JsonPropertyName("architecture")] string? Architecture,
    [property: JsonPropertyName("variant")] string? Variant = null);

internal sealed record Descriptor(
    [property: JsonPropertyName("mediaType")] string? MediaType,
    [property: JsonPropertyName("digest")] string? Digest,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("platform")] Platform? Platform,
    [property: JsonPropertyName("annotations")] Dictionary<string, string>? Annotations);

internal sealed record OciIndex(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("mediaType")] string? MediaType,
    [property: JsonPropertyName("manifests")] List<Descriptor>? Manifests);

internal sealed record OciManifest(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("mediaType")] string? MediaType,
    [property: JsonPropertyName("config")] Descriptor? Config,
    [property: JsonPropertyName("layers")] List<Descriptor>? Layers);

internal sealed record RootFs(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("diff_ids")] List<string>? DiffIds);

internal sealed record ContainerConfig(
    [property: JsonPropertyName("Env")] List<string>? Env,
    [property: JsonPropertyName("Entrypoint")] List<string>? Entrypoint,
    [property: JsonPropertyName("Cmd")] List<string>? Cmd,
    [property: JsonPropertyName("WorkingDir")] string? WorkingDir,
    [property: JsonPropertyName("User")] string? User,
    [property: JsonPropertyName("StopSignal")] string? StopSignal);

internal sealed record OciConfig(
    [property: JsonPropertyName("created")] DateTimeOffset? Created,
    [property: JsonPropertyName("architecture")] string? Architecture,
    [property: JsonPropertyName("os")] string? Os,
    [property: JsonPropertyName("config")] ContainerConfig? Config,
    [property: JsonPropertyName("rootfs")] RootFs? RootFs);

internal sealed record DockerManifestEntry(
    [property: JsonPropertyName("Config")] string? Config,
    [property: JsonPropertyName("RepoTags")] List<string>? RepoTags,
    [property: JsonPropertyName("Layers")] List<string>? Layers);

internal static class OciJson
{
    public const string IndexMediaType = "application/vnd.oci.image.index.v1+json";
    public const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    public const string ConfigMediaType = "application/vnd.oci.image.config.v1+json";
    public const string DockerListMediaType = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerManifestMediaType = "application/vnd.docker.distribution.manifest.v2+json";
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";
    public const string ContainerdNameAnnotation = "io.containerd.image.name";

    /// <summary>The serializer of every document above, generated at build time (Native AOT: no reflection).</summary>
    public static JsonTypeInfo<T> TypeInfo<T>() =>
        (JsonTypeInfo<T>?)OciJsonContext.Default.GetTypeInfo(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T)} is not in {nameof(OciJsonContext)}");

    /// <summary>Parses <paramref name="json"/>; a malformed document is an error naming <paramref name="what"/>.</summary>
    public static T Parse<T>(ReadOnlySpan<byte> json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, TypeInfo<T>()) ?? throw new ImageException($"{what}: empty JSON document");
        }
        catch (JsonException e)
        {
            throw new ImageException($"{what}: malformed JSON: {e.Message}", e);
        }
    }

    public static bool IsIndex(string? mediaType) => mediaType is IndexMediaType or DockerListMediaType;

    public static bool IsManifest(string? mediaType) => mediaType is ManifestMediaType or DockerManifestMediaType;
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(OciIndex))]
[JsonSerializable(typeof(OciManifest))]
[JsonSerializable(typeof(OciConfig))]
[JsonSerializable(typeof(List<DockerManifestEntry>))]
[JsonSerializable(typeof(List<ImageRecord>))]
internal sealed partial class OciJsonContext : JsonSerializerContext;
