using System.Text.Json.Serialization;
using Sublet.Cri.Images;
using Sublet.Cri.Runtime;

namespace Sublet.Cri;

/// <summary>Source-generated JSON for the verbose <c>info</c> maps (no reflection: the binary is built for Native AOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StatusConfig))]
[JsonSerializable(typeof(ImageInfo))]
internal sealed partial class CriJson : JsonSerializerContext;
