using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Sublet.Kubernetes.Yaml;

/// <summary>A YAML node that cannot become the object asked for; <see cref="Start"/> is where it is in the file.</summary>
internal sealed class YamlJsonException(Mark start, string message) : Exception(message)
{
    public Mark Start { get; } = start;
}

/// <summary>
/// YAML → JSON → a source-generated System.Text.Json type, as Kubernetes reads manifests
/// (sigs.k8s.io/yaml converts YAML to JSON, then encoding/json decodes it), so no reflection over
/// the model types is needed and Native AOT can read them. Errors carry the YAML position of the
/// offending node: the JSON's <see cref="JsonException.Path"/> is walked back through the YAML tree.
/// </summary>
internal static partial class YamlJson
{
    /// <summary>Output bound: aliases may repeat a node many times ("billion laughs"); no manifest comes near this.</summary>
    private const int MaxNodes = 1_000_000;

    public static byte[] ToJson(YamlNode node)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            var count = 0;
            Write(writer, node, ref count);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <exception cref="YamlJsonException">The node does not fit <typeparamref name="T"/>: a wrong type or an unknown field (when the options disallow them).</exception>
    public static T? Deserialize<T>(YamlNode node, JsonTypeInfo<T> info)
    {
        try
        {
            return JsonSerializer.Deserialize(ToJson(node), info);
        }
        catch (JsonException e)
        {
            throw Located(node, e);
        }
        catch (Exception e) when (ConverterFailure(node, e) is { } located)
        {
            throw located;
        }
    }

    /// <summary>As <see cref="Deserialize{T}(YamlNode, JsonTypeInfo{T})"/> for JSON made from <paramref name="node"/> and then changed (defaults merged in); errors still point into the YAML.</summary>
    public static T? Deserialize<T>(YamlNode node, JsonNode json, JsonTypeInfo<T> info)
    {
        try
        {
            return json.Deserialize(info);
        }
        catch (JsonException e)
        {
            throw Located(node, e);
        }
        catch (Exception e) when (ConverterFailure(node, e) is { } located)
        {
            throw located;
        }
    }

    private static void Write(Utf8JsonWriter writer, YamlNode node, ref int count)
    {
        if (++count > MaxNodes)
        {
            throw new YamlJsonException(node.Start, $"document too large: more than {MaxNodes} nodes once aliases are expanded");
        }
        switch (node)
        {
            case YamlScalarNode scalar:
                YamlScalars.Write(writer, scalar);
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(writer, item, ref count);
                }
                writer.WriteEndArray();
                break;
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, value) in Entries(mapping))
                {
                    writer.WritePropertyName(key);
                    Write(writer, value, ref count);
                }
                writer.WriteEndObject();
                break;
            default:
                throw new YamlJsonException(node.Start, $"unsupported YAML node {node.NodeType}");
        }
    }

    /// <summary>
    /// A mapping's entries with string keys (JSON has no others; sigs.k8s.io/yaml turns scalar keys
    /// into their text) and merge keys (<c>&lt;&lt;: *base</c>, yaml.org/type/merge.html, which go-yaml
    /// honours) applied: keys written in the mapping win over merged ones, earlier merges over later.
    /// </summary>
    internal static List<(string Key, YamlNode Value)> Entries(YamlMappingNode mapping)
    {
        var entries = new List<(string, YamlNode)>(mapping.Children.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        List<YamlMappingNode>? merges = null;
        foreach (var (keyNode, value) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode key)
            {
                throw new YamlJsonException(keyNode.Start, "a mapping key must be a scalar");
            }
            if (key.Value == "<<" && key.Style is ScalarStyle.Plain or ScalarStyle.Any)
            {
                merges ??= [];
                merges.AddRange(value switch
                {
                    YamlMappingNode m => [m],
                    YamlSequenceNode s when s.Children.All(c => c is YamlMappingNode) => s.Children.Cast<YamlMappingNode>(),
                    _ => throw new YamlJsonException(value.Start, "map merge requires map or sequence of maps as the value"),
                });
                continue;
            }
            var name = key.Value ?? "";
            if (seen.Add(name))
            {
                entries.Add((name, value));
            }
        }
        foreach (var merged in merges ?? [])
        {
            foreach (var (name, value) in Entries(merged))
            {
                if (seen.Add(name))
                {
                    entries.Add((name, value));
                }
            }
        }
        return entries;
    }

    /// <summary>The deserializer's complaint, at the YAML node its JSON path names, in the API's field form.</summary>
    private static YamlJsonException Located(YamlNode root, JsonException e)
    {
        var segments = PathSegments(NestedJsonException.FullPath(e) ?? "$");
        var detail = Detail(e.Message);
        if (UnmappedProperty().Match(e.Message) is { Success: true } unmapped)
        {
            var field = unmapped.Groups[1].Value;
            if (segments.Count == 0 || segments[^1] != field)
            {
                segments.Add(field);
            }
            var parent = FieldPath(segments[..^1]);
            detail = parent.Length == 0 ? $"unknown field '{field}'" : $"{parent}: unknown field '{field}'";
            return new YamlJsonException(Find(root, segments).Start, detail);
        }
        var node = Find(root, segments);
        var value = node is YamlScalarNode { Value: { } text } ? $" \"{text}\"" : "";
        var path = FieldPath(segments);
        return new YamlJsonException(node.Start, path.Length == 0 ? $"invalid value{value}: {detail}" : $"{path}: invalid value{value}: {detail}");
    }

    /// <summary>
    /// A model's own converter refused a value (KubernetesClient's quantity parser: "The string
    /// '1x' cannot be converted to fraction."); System.Text.Json passes such exceptions on without a
    /// path, so the quoted value is looked up among the document's scalars.
    /// </summary>
    private static YamlJsonException? ConverterFailure(YamlNode root, Exception e)
    {
        if (e is not (FormatException or ArgumentException or OverflowException) || QuotedValue().Match(e.Message) is not { Success: true } quoted)
        {
            return null;
        }
        var text = quoted.Groups[1].Value;
        var scalar = root.AllNodes.OfType<YamlScalarNode>().FirstOrDefault(s => s.Value == text);
        return scalar is null ? null : new YamlJsonException(scalar.Start, $"invalid value \"{text}\": {e.Message}");
    }

    /// <summary>The deepest node of <paramref name="root"/> on the path (the whole path when it exists).</summary>
    internal static YamlNode Find(YamlNode root, IReadOnlyList<string> segments)
    {
        var node = root;
        foreach (var segment in segments)
        {
            YamlNode? next = node switch
            {
                YamlMappingNode m => Entries(m).FirstOrDefault(kv => kv.Key == segment).Value,
                YamlSequenceNode s when int.TryParse(segment, out var i) && i >= 0 && i < s.Children.Count => s.Children[i],
                _ => null,
            };
            if (next is null)
            {
                // An unknown key: point at the key itself, not at its parent.
                return node is YamlMappingNode map && map.Children.Keys.FirstOrDefault(k => k is YamlScalarNode s && s.Value == segment) is { } key ? key : node;
            }
            node = next;
        }
        return node;
    }

    /// <summary>
    /// Splits System.Text.Json's path (<c>$.spec.containers[0].image</c>, or <c>$['a.b']</c> for
    /// names with special characters; WriteStack.AppendPropertyName) into names and indexes.
    /// </summary>
    internal static List<string> PathSegments(string path)
    {
        var segments = new List<string>();
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                end = end < 0 ? path.Length : end;
                segments.Add(path[(i + 2)..end]);
                i = Math.Min(end + 2, path.Length);
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                end = end < 0 ? path.Length : end;
                segments.Add(path[(i + 1)..end]);
                i = Math.Min(end + 1, path.Length);
            }
            else
            {
                break;
            }
        }
        return segments;
    }

    /// <summary><c>spec.containers[0].image</c>, as the API server names fields in its errors.</summary>
    private static string FieldPath(IEnumerable<string> segments) =>
        string.Concat(segments.Select((s, n) => int.TryParse(s, out _) ? $"[{s}]" : n == 0 ? s : "." + s));

    /// <summary>System.Text.Json's message without its JSON position (meaningless to someone reading YAML) and with readable type names.</summary>
    private static string Detail(string message)
    {
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        var text = cut < 0 ? message : message[..cut];
        text = NullableType().Replace(text, "$1");
        return text.Replace("System.Boolean", "boolean").Replace("System.Int32", "integer").Replace("System.Int64", "integer")
            .Replace("System.String", "string").Replace("System.Double", "number").Replace("The JSON value", "the value");
    }

    [GeneratedRegex(@"^The JSON property '(.*)' could not be mapped to any \.NET member")]
    private static partial Regex UnmappedProperty();

    [GeneratedRegex(@"'([^']+)'")]
    private static partial Regex QuotedValue();

    [GeneratedRegex(@"System\.Nullable`1\[([^\]]+)\]")]
    private static partial Regex NullableType();
}
