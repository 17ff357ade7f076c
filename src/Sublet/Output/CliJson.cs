using System.Text.Json.Serialization;
using Sublet.Cli.Commands;
using Sublet.Kubernetes;
using Sublet.Runtime.Audit;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Sandboxes;
using Sublet.Runtime.Selftest;

namespace Sublet.Cli.Output;

// What `-o json` prints, as named records: anonymous types have no source-generated serializer,
// and the binary is Native AOT (no reflection). The names are the JSON's, camelCased.

internal sealed record CheckJson(IReadOnlyList<CheckPodJson> Pods, IReadOnlyList<Finding> Findings);

internal sealed record CheckPodJson(string Name, string Namespace, bool Allowed, string? Refusal, string? Enforce, string? Warn, string? Audit, string? Exempt);

internal sealed record IdRowJson(string Pod, string PodNamespace, string PodId, long HostIdStart, long Length, long HostIdEnd, DateTimeOffset Created);

internal sealed record IdsVerifyJson(int Pods, int Processes, IReadOnlyList<IdFinding> Findings);

internal sealed record ImageRowJson(string Reference, string Id, string ManifestDigest, long Size, DateTimeOffset Created, int Layers);

internal sealed record SelftestJson(string Node, string UserNamespace, IReadOnlyList<ProbeResult> Probes, IReadOnlyList<string> Notes);

internal sealed record DoctorRowJson(string Check, string Status, string Detail, string Fix);

internal sealed record InspectPlayJson(PodInfo Pod, Dictionary<string, string>? Rootfs, Dictionary<string, string>? HostAdjustments, PodPlan Spec);

internal sealed record InspectCriJson(PodInfo Pod, SandboxConfig Sandbox, IReadOnlyList<ContainerConfig> Containers);

/// <summary>The serializer of everything above, generated at build time; options as <see cref="Table.Json"/> says.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(CheckJson))]
[JsonSerializable(typeof(List<IdRowJson>))]
[JsonSerializable(typeof(IdsVerifyJson))]
[JsonSerializable(typeof(List<ImageRowJson>))]
[JsonSerializable(typeof(SelftestJson))]
[JsonSerializable(typeof(List<DoctorRowJson>))]
[JsonSerializable(typeof(List<PodInfo>))]
[JsonSerializable(typeof(List<PodStats>))]
[JsonSerializable(typeof(InspectPlayJson))]
[JsonSerializable(typeof(InspectCriJson))]
internal sealed partial class CliJson : JsonSerializerContext;
