using System.Text.Json.Serialization;

namespace Sublet.Kubelet.Plan;

/// <summary>
/// The serializer of a pod's plan as the object store keeps it (<c>pods.plan_json</c>), generated at
/// build time for Native AOT. Default options, as plans were always written, so stored rows read back unchanged.
/// </summary>
[JsonSerializable(typeof(PodPlan))]
internal sealed partial class PlanJson : JsonSerializerContext;
