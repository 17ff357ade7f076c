using k8s;
using k8s.Models;
using YamlDotNet.Core;
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
        var index = 0;
        foreach (var document in stream.Documents)
        {
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
            var yaml = Serialize(document);
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
            return KubernetesYaml.Deserialize<T>(yaml);
        }
        catch (YamlException e)
        {
            throw new ManifestException($"{where}: {Inner(e).Message} (line {e.Start.Line} of the document)");
        }
    }

    private static Exception Inner(Exception e) => e.InnerException is { } inner ? Inner(inner) : e;

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode s ? s.Value : null;

    private static string Serialize(YamlDocument document)
    {
        using var writer = new StringWriter();
        new YamlStream(document).Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
