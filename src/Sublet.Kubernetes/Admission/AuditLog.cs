using System.Text.Json;

namespace Sublet.Kubernetes.Admission;

/// <summary>Appends audit-mode Pod Security violations, one JSON object a line, as the audit annotation upstream records.</summary>
public static class AuditLog
{
    public static void Append(string path, AdmissionResult result, DateTimeOffset now)
    {
        if (result.AuditViolations is not { } violations) return;
        var line = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["time"] = now.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ"),
            ["namespace"] = result.Namespace,
            ["pod"] = result.Pod,
            ["policy"] = result.Audit!.Policy.ToString(),
            ["annotations"] = new Dictionary<string, string> { ["pod-security.kubernetes.io/audit-violations"] = violations },
        });
        if (Path.GetDirectoryName(path) is { Length: > 0 } dir) Directory.CreateDirectory(dir);
        File.AppendAllText(path, line + "\n");
    }
}
