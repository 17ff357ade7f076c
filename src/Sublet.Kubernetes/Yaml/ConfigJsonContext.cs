using System.Text.Json.Serialization;
using Sublet.Runtime.Config;

namespace Sublet.Kubernetes.Yaml;

/// <summary>
/// The node configuration's serializer, generated at build time (Native AOT): camelCase keys as
/// KubeletConfiguration, and an unknown key is an error rather than a setting silently ignored.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, Converters = [typeof(ScalarStringConverter), typeof(StringArrayConverter)])]
[JsonSerializable(typeof(NodeConfig))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext;
