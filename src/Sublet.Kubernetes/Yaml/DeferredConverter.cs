using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Sublet.Kubernetes.Yaml;

/// <summary>
/// Reads a model type with options of its own, made the first time a manifest has one.
/// System.Text.Json configures every type a type's properties reach before it reads the first
/// value (JsonTypeInfo.Configure, for each property), so reading a Pod configured 199 types with a
/// few converters each; in the AOT CLI that was ~16 ms of `sublet check`'s 48 (docs/benchmarks.md
/// §6e). The serializer asks the options for a converter of a property's type first and, finding
/// this one, goes no deeper: a subtree is configured only when a manifest uses it.
/// </summary>
internal sealed class DeferredConverter<T> : JsonConverter<T> where T : class
{
    private JsonTypeInfo<T>? _info;

    public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        try
        {
            return JsonSerializer.Deserialize(ref reader, Info(options));
        }
        catch (JsonException e)
        {
            throw new NestedJsonException(e);
        }
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, Info(options));

    /// <summary>The caller's options without this converter: <typeparamref name="T"/>'s own metadata, with the other deferred types still behind theirs.</summary>
    private JsonTypeInfo<T> Info(JsonSerializerOptions options)
    {
        if (Volatile.Read(ref _info) is { } info)
        {
            return info;
        }
        var own = new JsonSerializerOptions(options);
        own.Converters.Remove(this);
        own.MakeReadOnly();
        Interlocked.CompareExchange(ref _info, (JsonTypeInfo<T>)own.GetTypeInfo(typeof(T)), null);
        return _info;
    }
}

/// <summary>
/// A JSON error inside a deferred type. Its <see cref="JsonException.Path"/> starts out null, so the
/// serializer outside fills in the path down to the deferred value; <see cref="Below"/> keeps the
/// rest, as the inner serializer saw it (<c>$.securityContext.privileged</c>).
/// </summary>
internal sealed class NestedJsonException(JsonException inner) : JsonException(inner.Message, inner)
{
    public string Below { get; } = Join(inner.Path, (inner as NestedJsonException)?.Below);

    /// <summary>The whole path: the outer serializer's, then <see cref="Below"/>.</summary>
    public static string? FullPath(JsonException e) => e is NestedJsonException nested ? Join(e.Path, nested.Below) : e.Path;

    private static string Join(string? outer, string? below) => (outer ?? "$") + (below ?? "$")[1..];
}
