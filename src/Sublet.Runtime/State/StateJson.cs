using System.Text.Json.Serialization;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Runtime.State;

/// <summary>
/// The serializer of what the state store keeps as JSON (a sandbox's and a container's
/// config), generated at build time for Native AOT. Default options, as the
/// reflection-based serializer wrote them before, so stored rows read back unchanged.
/// </summary>
[JsonSerializable(typeof(ContainerConfig))]
[JsonSerializable(typeof(SandboxConfig))]
internal sealed partial class StateJson : JsonSerializerContext;

/// <summary>The same types and options, generated as writers only (<see cref="StoredJson{T}"/>).</summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(ContainerConfig))]
[JsonSerializable(typeof(SandboxConfig))]
internal sealed partial class StateWriterJson : JsonSerializerContext;

/// <summary>How the state store writes and reads the configs it keeps.</summary>
internal static class StoredConfigs
{
    public static readonly StoredJson<SandboxConfig> Sandbox = new(StateWriterJson.Default.SandboxConfig, () => StateJson.Default.SandboxConfig);
    public static readonly StoredJson<ContainerConfig> Container = new(StateWriterJson.Default.ContainerConfig, () => StateJson.Default.ContainerConfig);
}
