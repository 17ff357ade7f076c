using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sublet.Kubernetes.Yaml;

/// <summary>
/// A string list of the node configuration. Records compare arrays by reference, so a file that
/// leaves a list at its default must give back the default's own array for the configuration to
/// equal <c>new NodeConfig()</c>: the defaults are serialized first (ConfigLoader.WithDefaults),
/// which shows this converter their arrays, and a list read with the same items is that array.
/// </summary>
internal sealed class StringArrayConverter : JsonConverter<string[]>
{
    private static readonly ScalarStringConverter Item = new();
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string[]> Defaults = new(StringComparer.Ordinal);

    private static string Key(IEnumerable<string> items) => string.Join('\0', items);

    public override string[]? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("the value could not be converted to a list of strings.");
        }
        var items = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            items.Add(reader.TokenType == JsonTokenType.Null ? "" : Item.Read(ref reader, typeof(string), options)!);
        }
        return items.Count == 0 ? [] : Defaults.TryGetValue(Key(items), out var same) ? same : [.. items];
    }

    public override void Write(Utf8JsonWriter writer, string[] value, JsonSerializerOptions options)
    {
        if (value.Length > 0)
        {
            Defaults.TryAdd(Key(value), value);
        }
        writer.WriteStartArray();
        foreach (var item in value)
        {
            writer.WriteStringValue(item);
        }
        writer.WriteEndArray();
    }
}
