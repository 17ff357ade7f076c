using System.Text.Json.Serialization;
using Sublet.Runtime.State;

namespace Sublet.Kubelet.Plan;

/// <summary>
/// The serializer of a pod's plan as the object store keeps it (<c>pods.plan_json</c>), generated at
/// build time for Native AOT. Default options, as plans were always written, so stored rows read back unchanged.
/// </summary>
[JsonSerializable(typeof(PodPlan))]
internal sealed partial class PlanJson : JsonSerializerContext;

/// <summary>The same, generated as a writer only (<see cref="StoredJson{T}"/>).</summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(PodPlan))]
internal sealed partial class PlanWriterJson : JsonSerializerContext;

/// <summary>A pod's plan as its record keeps it.</summary>
public static class StoredPlan
{
    private static readonly StoredJson<PodPlan> Json = new(PlanWriterJson.Default.PodPlan, () => PlanJson.Default.PodPlan);

    public static string Write(PodPlan plan) => Json.Write(plan);

    public static PodPlan Read(string json) => Json.Read(json) ?? throw new InvalidDataException("a pod record's plan is JSON null");
}
