using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sublet.Kubernetes.Yaml;

/// <summary>
/// A string field also takes a plain number or boolean, as its text: sigs.k8s.io/yaml converts
/// such scalars back to strings when the Go field is a string (yaml.go, convertToJSONableObject
/// with a string jsonTarget), so <c>value: 8080</c> in an env var or <c>version: 2</c> in a
/// ConfigMap's data are accepted. The number keeps the digits the JSON has.
/// </summary>
internal sealed class ScalarStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => throw new JsonException($"cannot unmarshal {reader.TokenType.ToString().ToLowerInvariant()} into a string"),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    // Labels, annotations and data are string-keyed dictionaries: their keys go through the same converter.
    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString()!;

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WritePropertyName(value);
}
