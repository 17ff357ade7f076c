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
