using System.Text.Json.Nodes;

namespace Sublet.Kubernetes.Admission;

/// <summary>Appends audit-mode Pod Security violations, one JSON object a line, as the audit annotation upstream records.</summary>
public static class AuditLog
{
    public static void Append(string path, AdmissionResult result, DateTimeOffset now)
    {
        if (result.AuditViolations is not { } violations) return;
        var line = new JsonObject
        {
            ["time"] = now.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ"),
            ["namespace"] = result.Namespace,
            ["pod"] = result.Pod,
            ["policy"] = result.Audit!.Policy.ToString(),
            ["annotations"] = new JsonObject { ["pod-security.kubernetes.io/audit-violations"] = violations },
        }.ToJsonString();
        if (Path.GetDirectoryName(path) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
        File.AppendAllText(path, line + "\n");
    }
}
