using k8s;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Sublet.Kubernetes.Manifests;

/// <summary>The objects of one manifest file, by kind.</summary>
public sealed record Manifest(string Source, IReadOnlyList<V1Pod> Pods, IReadOnlyList<V1Namespace> Namespaces,
    IReadOnlyList<V1ConfigMap> ConfigMaps, IReadOnlyList<V1Secret> Secrets);

/// <summary>A manifest that cannot be used; the message names the file, the document and what is wrong.</summary>
public sealed class ManifestException(string message) : Exception(message);

/// <summary>
/// Reads multi-document YAML into the official KubernetesClient models. Each document is
/// checked for apiVersion and kind first, so an unsupported kind is named rather than mis-read.
/// </summary>
public static class ManifestReader
{
    public static Manifest ReadFile(string path)
    {
        string text;
        try
        {
            text = path == "-" ? Console.In.ReadToEnd() : File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ManifestException($"{path}: {e.Message}");
        }
        return Read(text, path);
    }

    public static Manifest Read(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ManifestException($"{source}: invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {Inner(e).Message}");
        }
        var pods = new List<V1Pod>();
        var namespaces = new List<V1Namespace>();
        var configMaps = new List<V1ConfigMap>();
        var secrets = new List<V1Secret>();
        var spans = DocumentSpans(text);
        var index = 0;
        foreach (var document in stream.Documents)
        {
            var span = spans[index];
            index++;
            if (document.RootNode is YamlScalarNode { Value: null or "" })
            {
                continue; // an empty document ("---" at the end)
            }
            if (document.RootNode is not YamlMappingNode map)
            {
                throw new ManifestException($"{source}: document {index}: expected a Kubernetes object (a mapping with apiVersion and kind)");
            }
            var apiVersion = Scalar(map, "apiVersion");
            var kind = Scalar(map, "kind");
            if (string.IsNullOrEmpty(kind) || string.IsNullOrEmpty(apiVersion))
            {
                throw new ManifestException($"{source}: document {index}: Object 'Kind' or 'apiVersion' is missing");
            }
            var yaml = Original(text, span);
            var where = $"{source}: document {index} ({kind})";
            switch ((apiVersion, kind))
            {
                case ("v1", "Pod"): pods.Add(Deserialize<V1Pod>(yaml, where)); break;
                case ("v1", "Namespace"): namespaces.Add(Deserialize<V1Namespace>(yaml, where)); break;
                case ("v1", "ConfigMap"): configMaps.Add(Deserialize<V1ConfigMap>(yaml, where)); break;
                case ("v1", "Secret"): secrets.Add(Deserialize<V1Secret>(yaml, where)); break;
                default:
                    throw new ManifestException($"{source}: document {index}: kind \"{kind}\" (apiVersion \"{apiVersion}\") is not supported: sublet runs v1 Pod objects (with v1 Namespace, ConfigMap and Secret beside them)");
            }
        }
        if (pods.Count == 0 && namespaces.Count == 0 && configMaps.Count == 0 && secrets.Count == 0)
        {
            throw new ManifestException($"{source}: no Kubernetes objects found");
        }
        return new Manifest(source, pods, namespaces, configMaps, secrets);
    }

    private static T Deserialize<T>(string yaml, string where)
    {
        try
        {
            // Strict, as kubectl's default field validation: a misspelt field (say "hostUser: false")
            // must not be dropped silently, or the pod would run with less isolation than it asked for.
            return KubernetesYaml.Deserialize<T>(yaml, strict: true);
        }
        catch (YamlException e)
        {
            throw new ManifestException($"{where}: line {e.Start.Line}: {Inner(e).Message}");
        }
    }

    private static Exception Inner(Exception e) => e.InnerException is { } inner ? Inner(inner) : e;

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode s ? s.Value : null;

    /// <summary>
    /// The document's own text, padded with the lines and columns before it, so the deserializer's
    /// line numbers are the file's (comments and earlier documents count, as in an editor).
    /// </summary>
    private static string Original(string text, (Mark Root, Mark End) span) =>
        new string('\n', (int)span.Root.Line - 1) + new string(' ', (int)span.Root.Column - 1)
        + text[(int)span.Root.Index..(int)span.End.Index];

    /// <summary>Per document: where its root node starts and where the document ends (YamlDotNet's nodes carry no end mark).</summary>
    private static List<(Mark Root, Mark End)> DocumentSpans(string text)
    {
        var spans = new List<(Mark, Mark)>();
        var parser = new Parser(new StringReader(text));
        Mark? root = null;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case DocumentStart:
                    root = null;
                    break;
                case DocumentEnd end:
                    spans.Add((root ?? end.Start, end.Start));
                    break;
                case { } e when root is null:
                    root = e.Start;
                    break;
            }
        }
        return spans;
    }
}
