using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using Sublet.Kubernetes.Yaml;

namespace Sublet.Kubernetes.Manifests;

/// <summary>The objects of one manifest file, by kind.</summary>
public sealed record Manifest(string Source, IReadOnlyList<V1Pod> Pods, IReadOnlyList<V1Namespace> Namespaces,
    IReadOnlyList<V1ConfigMap> ConfigMaps, IReadOnlyList<V1Secret> Secrets);

/// <summary>A manifest that cannot be used; the message names the file, the document and what is wrong.</summary>
public sealed class ManifestException(string message) : Exception(message);

/// <summary>
/// Reads multi-document YAML into the official KubernetesClient models, through JSON and the
/// models' source-generated serializer (no reflection: Native AOT). Each document is checked for
/// apiVersion and kind first, so an unsupported kind is named rather than mis-read.
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
            var where = $"{source}: document {index} ({kind})";
            switch ((apiVersion, kind))
            {
                case ("v1", "Pod"): pods.Add(Deserialize<V1Pod>(map, where)); break;
                case ("v1", "Namespace"): namespaces.Add(Deserialize<V1Namespace>(map, where)); break;
                case ("v1", "ConfigMap"): configMaps.Add(Deserialize<V1ConfigMap>(map, where)); break;
                case ("v1", "Secret"): secrets.Add(Deserialize<V1Secret>(map, where)); break;
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

    private static T Deserialize<T>(YamlMappingNode document, string where)
    {
        try
        {
            return YamlJson.Deserialize(document, ManifestJson.TypeInfo<T>())!;
        }
        catch (YamlJsonException e)
        {
            // The node's own line: the file's, as an editor shows it (comments and earlier documents count).
            throw new ManifestException($"{where}: line {e.Start.Line}: {e.Message}");
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
            // A model converter refused a value (a quantity such as "1x"): System.Text.Json passes these on without a path.
            throw new ManifestException($"{where}: {e.Message}");
        }
    }

    private static Exception Inner(Exception e) => e.InnerException is { } inner ? Inner(inner) : e;

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode s ? s.Value : null;
}
