using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Sublet.Cli.Output;

/// <summary>Renders JSON as YAML (the same fields for <c>-o yaml</c> and <c>-o json</c>).</summary>
internal static class Yaml
{
    public static string FromJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var stream = new YamlStream(new YamlDocument(Node(doc.RootElement)));
        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        return writer.ToString().TrimEnd().TrimEnd('.').TrimEnd();
    }

    private static YamlNode Node(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => new YamlMappingNode(e.EnumerateObject().Select(p => new KeyValuePair<YamlNode, YamlNode>(new YamlScalarNode(p.Name), Node(p.Value)))),
        JsonValueKind.Array => new YamlSequenceNode(e.EnumerateArray().Select(Node)),
        JsonValueKind.String => new YamlScalarNode(e.GetString()) { Style = NeedsQuotes(e.GetString()!) ? YamlDotNet.Core.ScalarStyle.DoubleQuoted : YamlDotNet.Core.ScalarStyle.Any },
        JsonValueKind.Null => new YamlScalarNode("null"),
        _ => new YamlScalarNode(e.GetRawText()),
    };

    private static bool NeedsQuotes(string s) => s.Length == 0 || s is "true" or "false" or "null" or "yes" or "no" || double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out _);
}
