using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sublet.Runtime.Network;

/// <summary>
/// A CNI network configuration list (CNI spec 1.0.0 "Network configuration lists"): its name,
/// version and plugins in order, with the file it came from for error messages. A single-plugin
/// <c>.conf</c> file is read as a list of one, as libcni's ConfListFromConf does.
/// </summary>
public sealed record CniNetworkList(string Name, string CniVersion, IReadOnlyList<JsonObject> Plugins, bool DisableCheck, string File)
{
    /// <summary>The extensions libcni reads from a configuration directory (libcni ConfFiles).</summary>
    public static readonly string[] Extensions = [".conflist", ".conf", ".json"];

    /// <summary>The files of a configuration directory that hold networks, in the order libcni reads them (lexical): the first is the pod network.</summary>
    public static List<string> ConfigFiles(IEnumerable<string> files) =>
        [.. files.Where(f => Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal)];

    /// <summary>Parses <paramref name="json"/> read from <paramref name="file"/>.</summary>
    /// <exception cref="CniException">Not JSON, or a required field is missing or of the wrong type.</exception>
    public static CniNetworkList Parse(string json, string file)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw Invalid(file, "not a JSON object");
        }
        catch (JsonException e)
        {
            throw Invalid(file, $"not valid JSON: {e.Message}");
        }
        var name = Text(root, "name", file);
        var version = Text(root, "cniVersion", file);
        if (root["plugins"] is null && root["type"] is not null)
        {
            // A .conf holds one plugin: its own object, name and version included.
            return new CniNetworkList(name, version, [(JsonObject)root.DeepClone()], false, file);
        }
        if (root["plugins"] is not JsonArray plugins || plugins.Count == 0)
        {
            throw Invalid(file, "\"plugins\" must be a non-empty list");
        }
        var list = new List<JsonObject>();
        for (var i = 0; i < plugins.Count; i++)
        {
            if (plugins[i] is not JsonObject plugin || plugin["type"] is not JsonValue type || type.GetValueKind() != JsonValueKind.String
                || type.GetValue<string>().Length == 0)
            {
                throw Invalid(file, $"plugins[{i}]: \"type\" must be a non-empty string");
            }
            list.Add((JsonObject)plugin.DeepClone());
        }
        var disableCheck = root["disableCheck"] is JsonValue d && d.GetValueKind() == JsonValueKind.True;
        return new CniNetworkList(name, version, list, disableCheck, file);
    }

    /// <summary>The plugin's <c>type</c>: the binary to run.</summary>
    public static string TypeOf(JsonObject plugin) => plugin["type"]!.GetValue<string>();

    private static string Text(JsonObject root, string key, string file) =>
        root[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { Length: > 0 } s
            ? s : throw Invalid(file, $"\"{key}\" must be a non-empty string");

    private static CniException Invalid(string file, string what) => new($"CNI network configuration {file}: {what}");
}
