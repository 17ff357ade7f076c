using Sublet.Runtime.Config;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Sublet.Kubernetes.Yaml;

/// <summary>
/// Reads the node configuration straight from its YAML tree: each section's keys map to setters,
/// so no serializer metadata is built. Every command and every pod start reads the configuration,
/// and System.Text.Json's set-up for these ~10 record types (a reflection lookup of attributes and
/// a converter per type) was an eighth of a <c>sublet ps</c> (docs/benchmarks.md §6j).
/// Scalars are typed as Kubernetes' YAML reader types them (<see cref="YamlScalars"/>, YAML 1.2
/// core schema); merge keys are honoured (<see cref="YamlJson.Entries"/>); an unknown key or a
/// value of the wrong type is an error at its line, named by its field path, as before.
/// </summary>
internal static class ConfigReader
{
    private delegate void Setter<in T>(T target, YamlNode value, string path);

    public static NodeConfig Read(YamlMappingNode root) => Section(root, "", new NodeConfig(), NodeFields);

    private static readonly Dictionary<string, Setter<OciRuntimeConfig>> OciFields = new(StringComparer.Ordinal)
    {
        ["name"] = (c, v, p) => c.Name = Text(v, p) ?? c.Name,
        ["path"] = (c, v, p) => c.Path = Text(v, p),
    };

    private static readonly Dictionary<string, Setter<UserNamespacesConfig>> UserNamespaceFields = new(StringComparer.Ordinal)
    {
        ["idsPerPod"] = (c, v, p) => c.IdsPerPod = Long(v, p) ?? c.IdsPerPod,
        ["hostPathIdmap"] = (c, v, p) => c.HostPathIdmap = Text(v, p) ?? c.HostPathIdmap,
    };

    private static readonly Dictionary<string, Setter<RootfsConfig>> RootfsFields = new(StringComparer.Ordinal)
    {
        ["userNamespaceMode"] = (c, v, p) => c.UserNamespaceMode = Text(v, p) ?? c.UserNamespaceMode,
    };

    private static readonly Dictionary<string, Setter<PodSecurityDefaults>> PodSecurityDefaultFields = new(StringComparer.Ordinal)
    {
        ["enforce"] = (c, v, p) => c.Enforce = Text(v, p) ?? c.Enforce,
        ["enforceVersion"] = (c, v, p) => c.EnforceVersion = Text(v, p) ?? c.EnforceVersion,
        ["audit"] = (c, v, p) => c.Audit = Text(v, p) ?? c.Audit,
        ["auditVersion"] = (c, v, p) => c.AuditVersion = Text(v, p) ?? c.AuditVersion,
        ["warn"] = (c, v, p) => c.Warn = Text(v, p) ?? c.Warn,
        ["warnVersion"] = (c, v, p) => c.WarnVersion = Text(v, p) ?? c.WarnVersion,
    };

    private static readonly Dictionary<string, Setter<PodSecurityExemptions>> PodSecurityExemptionFields = new(StringComparer.Ordinal)
    {
        ["usernames"] = (c, v, p) => c.Usernames = List(v, p),
        ["namespaces"] = (c, v, p) => c.Namespaces = List(v, p),
        ["runtimeClasses"] = (c, v, p) => c.RuntimeClasses = List(v, p),
    };

    private static readonly Dictionary<string, Setter<PodSecurityConfig>> PodSecurityFields = new(StringComparer.Ordinal)
    {
        ["defaults"] = (c, v, p) => c.Defaults = Section(v, p, new PodSecurityDefaults(), PodSecurityDefaultFields),
        ["exemptions"] = (c, v, p) => c.Exemptions = Section(v, p, new PodSecurityExemptions(), PodSecurityExemptionFields),
        ["auditLog"] = (c, v, p) => c.AuditLog = Text(v, p),
    };

    private static readonly Dictionary<string, Setter<RegistriesConfig>> RegistryFields = new(StringComparer.Ordinal)
    {
        ["authFile"] = (c, v, p) => c.AuthFile = Text(v, p) ?? c.AuthFile,
        ["insecure"] = (c, v, p) => c.Insecure = List(v, p),
        ["maxConcurrentDownloads"] = (c, v, p) => c.MaxConcurrentDownloads = Int(v, p) ?? c.MaxConcurrentDownloads,
        ["caFiles"] = (c, v, p) => c.CaFiles = Map(v, p, (n, q) => Text(n, q) ?? ""),
        ["mirrors"] = (c, v, p) => c.Mirrors = Map(v, p, List),
    };

    private static readonly Dictionary<string, Setter<NetworkConfig>> NetworkFields = new(StringComparer.Ordinal)
    {
        ["mode"] = (c, v, p) => c.Mode = Text(v, p) ?? c.Mode,
        ["confDir"] = (c, v, p) => c.ConfDir = Text(v, p) ?? c.ConfDir,
        ["pluginDirs"] = (c, v, p) => c.PluginDirs = List(v, p),
        ["writeDefault"] = (c, v, p) => c.WriteDefault = Bool(v, p),
        ["bridge"] = (c, v, p) => c.Bridge = Text(v, p) ?? c.Bridge,
        ["subnet"] = (c, v, p) => c.Subnet = Text(v, p) ?? c.Subnet,
        ["pluginTimeoutSeconds"] = (c, v, p) => c.PluginTimeoutSeconds = Int(v, p) ?? c.PluginTimeoutSeconds,
    };

    private static readonly Dictionary<string, Setter<StreamingConfig>> StreamingFields = new(StringComparer.Ordinal)
    {
        ["address"] = (c, v, p) => c.Address = Text(v, p) ?? c.Address,
        ["port"] = (c, v, p) => c.Port = Int(v, p) ?? c.Port,
    };

    // Last: its setters name the sections' tables above (static fields initialize in order).
    private static readonly Dictionary<string, Setter<NodeConfig>> NodeFields = new(StringComparer.Ordinal)
    {
        ["stateRoot"] = (c, v, p) => c.StateRoot = Text(v, p) ?? c.StateRoot,
        ["runRoot"] = (c, v, p) => c.RunRoot = Text(v, p) ?? c.RunRoot,
        ["ociRuntime"] = (c, v, p) => c.OciRuntime = Section(v, p, new OciRuntimeConfig(), OciFields),
        ["userNamespaces"] = (c, v, p) => c.UserNamespaces = Section(v, p, new UserNamespacesConfig(), UserNamespaceFields),
        ["rootfs"] = (c, v, p) => c.Rootfs = Section(v, p, new RootfsConfig(), RootfsFields),
        ["featureGates"] = (c, v, p) => c.FeatureGates = Map(v, p, Bool),
        ["podSecurity"] = (c, v, p) => c.PodSecurity = Section(v, p, new PodSecurityConfig(), PodSecurityFields),
        ["maxPods"] = (c, v, p) => c.MaxPods = Int(v, p) ?? c.MaxPods,
        ["subUidPath"] = (c, v, p) => c.SubUidPath = Text(v, p) ?? c.SubUidPath,
        ["subGidPath"] = (c, v, p) => c.SubGidPath = Text(v, p) ?? c.SubGidPath,
        ["conmonPath"] = (c, v, p) => c.ConmonPath = Text(v, p) ?? c.ConmonPath,
        ["pauseBinary"] = (c, v, p) => c.PauseBinary = Text(v, p) ?? c.PauseBinary,
        ["seccompProfileRoot"] = (c, v, p) => c.SeccompProfileRoot = Text(v, p),
        ["allowedUnsafeSysctls"] = (c, v, p) => c.AllowedUnsafeSysctls = List(v, p),
        ["clusterDomain"] = (c, v, p) => c.ClusterDomain = Text(v, p) ?? c.ClusterDomain,
        ["clusterDns"] = (c, v, p) => c.ClusterDns = List(v, p),
        ["resolvConf"] = (c, v, p) => c.ResolvConf = Text(v, p) ?? c.ResolvConf,
        ["containerLogMaxSize"] = (c, v, p) => c.ContainerLogMaxSize = Text(v, p) ?? c.ContainerLogMaxSize,
        ["containerLogMaxFiles"] = (c, v, p) => c.ContainerLogMaxFiles = Int(v, p) ?? c.ContainerLogMaxFiles,
        ["containerLogMonitorInterval"] = (c, v, p) => c.ContainerLogMonitorInterval = Text(v, p) ?? c.ContainerLogMonitorInterval,
        ["restartBackoffSeconds"] = (c, v, p) => c.RestartBackoffSeconds = Number(v, p) ?? c.RestartBackoffSeconds,
        ["registries"] = (c, v, p) => c.Registries = Section(v, p, new RegistriesConfig(), RegistryFields),
        ["network"] = (c, v, p) => c.Network = Section(v, p, new NetworkConfig(), NetworkFields),
        ["streaming"] = (c, v, p) => c.Streaming = Section(v, p, new StreamingConfig(), StreamingFields),
    };

    /// <summary>A section's keys onto <paramref name="target"/>; a section left empty (<c>ociRuntime:</c>) keeps its defaults.</summary>
    private static T Section<T>(YamlNode node, string path, T target, Dictionary<string, Setter<T>> fields)
    {
        if (IsNull(node))
        {
            return target;
        }
        if (node is not YamlMappingNode mapping)
        {
            throw Invalid(node, path, "must be a mapping of fields");
        }
        foreach (var (key, value) in YamlJson.Entries(mapping))
        {
            if (!fields.TryGetValue(key, out var set))
            {
                var keyNode = mapping.Children.Keys.FirstOrDefault(k => k is YamlScalarNode s && s.Value == key) ?? mapping;
                throw new YamlJsonException(keyNode.Start, path.Length == 0 ? $"unknown field '{key}'" : $"{path}: unknown field '{key}'");
            }
            set(target, value, path.Length == 0 ? key : $"{path}.{key}");
        }
        return target;
    }

    /// <summary>A string field; a plain number or boolean is taken as its text (as sigs.k8s.io/yaml does for Go strings). Null when empty.</summary>
    private static string? Text(YamlNode node, string path) => node switch
    {
        _ when IsNull(node) => null,
        YamlScalarNode { Value: { } text } => text,
        _ => throw Invalid(node, path, "the value could not be converted to string."),
    };

    private static int? Int(YamlNode node, string path) => Long(node, path) switch
    {
        null => null,
        >= int.MinValue and <= int.MaxValue and var value => (int)value,
        _ => throw Invalid(node, path, "the value could not be converted to integer."),
    };

    private static long? Long(YamlNode node, string path) => IsNull(node) ? null
        : Plain(node) is { } text && YamlScalars.TryInt(text, out var value) ? value
        : throw Invalid(node, path, "the value could not be converted to integer.");

    private static double? Number(YamlNode node, string path) => IsNull(node) ? null
        : Plain(node) is { } text && YamlScalars.TryInt(text, out var whole) ? whole
        : Plain(node) is { } f && YamlScalars.TryFloat(f, out var value) ? value
        : throw Invalid(node, path, "the value could not be converted to number.");

    private static bool Bool(YamlNode node, string path) =>
        Plain(node) is { } text && YamlScalars.TryBool(text, out var value) ? value : throw Invalid(node, path, "the value could not be converted to boolean.");

    /// <summary>A list of strings; empty when left empty, and an empty item is "".</summary>
    private static string[] List(YamlNode node, string path) => node switch
    {
        _ when IsNull(node) => [],
        YamlSequenceNode sequence => [.. sequence.Children.Select((item, i) => Text(item, $"{path}[{i}]") ?? "")],
        _ => throw Invalid(node, path, "the value could not be converted to a list of strings."),
    };

    /// <summary>A mapping with string keys, in the file's order; null when left empty.</summary>
    private static Dictionary<string, TValue>? Map<TValue>(YamlNode node, string path, Func<YamlNode, string, TValue> value) => node switch
    {
        _ when IsNull(node) => null,
        YamlMappingNode mapping => YamlJson.Entries(mapping).ToDictionary(e => e.Key, e => value(e.Value, $"{path}[{e.Key}]"), StringComparer.Ordinal),
        _ => throw Invalid(node, path, "must be a mapping"),
    };

    /// <summary>An unquoted scalar's text: only those are numbers and booleans in YAML ("5" is a string).</summary>
    private static string? Plain(YamlNode node) => node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: { } text } ? text : null;

    private static bool IsNull(YamlNode node) => Plain(node) is { } text && YamlScalars.IsNull(text);

    private static YamlJsonException Invalid(YamlNode node, string path, string detail)
    {
        var value = node is YamlScalarNode { Value: { } text } ? $" \"{text}\"" : "";
        return new YamlJsonException(node.Start, $"{path}: invalid value{value}: {detail}");
    }
}
