using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Mapping;

/// <summary>
/// info["info"] of verbose status calls: JSON that crictl inspect/inspectp print under "info", in
/// containerd's spirit (sandbox ID, pid, the config it was made with, the OCI spec).
/// </summary>
internal static class VerboseInfo
{
    public static string Sandbox(SandboxView view, IReadOnlyList<Sublet.Runtime.Audit.IdFinding> audit) => new JsonObject
    {
        ["id"] = view.Entry.Id,
        ["pid"] = view.Entry.PausePid,
        ["owner"] = view.Entry.Config.Owner.ToString(),
        ["userNamespace"] = view.Entry.Ids is { } r ? $"0 {r.Start} {r.Length}" : "host",
        ["idAudit"] = new JsonObject
        {
            ["healthy"] = audit.Count == 0,
            ["findings"] = new JsonArray([.. audit.Select(f => (JsonNode)new JsonObject { ["check"] = f.Check, ["detail"] = f.Detail })]),
        },
        ["config"] = JsonSerializer.SerializeToNode(view.Entry.Config, VerboseJson.Default.SandboxConfig),
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    public static string Container(ContainerView view, string runRoot)
    {
        var spec = Path.Combine(runRoot, "pods", view.Entry.SandboxId, "c", view.Entry.Id, "config.json");
        return new JsonObject
        {
            ["sandboxID"] = view.Entry.SandboxId,
            ["pid"] = view.Entry.Pid,
            ["imageRef"] = view.Entry.ImageRef,
            ["config"] = JsonSerializer.SerializeToNode(view.Entry.Config, VerboseJson.Default.ContainerConfig),
            ["runtimeSpec"] = File.Exists(spec) ? JsonNode.Parse(File.ReadAllText(spec)) : null,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}

/// <summary>The runtime's records as crictl inspect shows them (default options: the names as they are), generated for Native AOT.</summary>
[JsonSerializable(typeof(SandboxConfig))]
[JsonSerializable(typeof(ContainerConfig))]
internal sealed partial class VerboseJson : JsonSerializerContext;
