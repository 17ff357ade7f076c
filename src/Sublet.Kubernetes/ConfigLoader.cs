using Sublet.Runtime.Config;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Sublet.Kubernetes;

/// <summary>A configuration file that cannot be used; lists every problem.</summary>
public sealed class ConfigException(string message) : Exception(message);

/// <summary>Reads /etc/sublet/config.yaml (camelCase keys, as KubeletConfiguration). A missing default file means defaults.</summary>
public static class ConfigLoader
{
    public static NodeConfig Load(string? path) => Load(path, NodeConfig.DefaultPath);

    /// <summary><paramref name="path"/> when given (it must exist), else <paramref name="defaultPath"/> when it exists, else defaults.</summary>
    internal static NodeConfig Load(string? path, string defaultPath)
    {
        var explicitPath = path is not null;
        path ??= defaultPath;
        if (!File.Exists(path))
        {
            return explicitPath ? throw new ConfigException($"{path}: configuration file not found") : new NodeConfig();
        }
        NodeConfig config;
        try
        {
            var deserializer = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build();
            config = deserializer.Deserialize<NodeConfig?>(File.ReadAllText(path)) ?? new NodeConfig();
            // A section left empty ("ociRuntime:" with nothing below) reads as null: it means its defaults.
            config = config with
            {
                OciRuntime = config.OciRuntime ?? new OciRuntimeConfig(),
                UserNamespaces = config.UserNamespaces ?? new UserNamespacesConfig(),
            };
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{path}: line {e.Start.Line}: {(e.InnerException ?? e).Message}");
        }
        var problems = new List<string>();
        if (!Path.IsPathRooted(config.StateRoot)) problems.Add($"stateRoot: Invalid value: \"{config.StateRoot}\": must be an absolute path");
        if (!Path.IsPathRooted(config.RunRoot)) problems.Add($"runRoot: Invalid value: \"{config.RunRoot}\": must be an absolute path");
        if (config.OciRuntime.Name is not ("runc" or "crun")) problems.Add($"ociRuntime.name: Unsupported value: \"{config.OciRuntime.Name}\": supported values: \"runc\", \"crun\"");
        var ids = config.UserNamespaces.IdsPerPod;
        if (ids < 65536 || ids % 65536 != 0 || ids > uint.MaxValue) problems.Add($"userNamespaces.idsPerPod: Invalid value: {ids}: must be a multiple of 65536, at least 65536 and below 2^32");
        if (config.MaxPods < 1) problems.Add($"maxPods: Invalid value: {config.MaxPods}: must be at least 1");
        return problems.Count == 0 ? config : throw new ConfigException($"{path}: {string.Join("; ", problems)}");
    }
}
