using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Runtime.Oci;

/// <summary>
/// The linux.seccomp section for a container (containerd internal/cri/server container_create_linux.go
/// generateSeccompSpecOpts): none for privileged containers and Unconfined, the project's
/// RuntimeDefault profile, or a Localhost profile file read as OCI linux.seccomp JSON
/// (containerd contrib/seccomp WithProfile).
/// </summary>
public static class SeccompProfiles
{
    public static Seccomp? For(Sandboxes.ProcessSecurity security, IReadOnlyList<string> bounding, Func<string, string>? readFile = null)
    {
        if (security.Privileged)
        {
            return null;
        }
        return security.Seccomp.Type switch
        {
            SeccompProfileType.Unconfined => null,
            SeccompProfileType.RuntimeDefault => RuntimeDefaultProfile.Build(bounding, RuntimeInformation.OSArchitecture),
            SeccompProfileType.Localhost => Localhost(security.Seccomp.LocalhostPath!, readFile ?? File.ReadAllText),
            var other => throw new PlanException($"unknown seccomp profile type {other}"),
        };
    }

    private static Seccomp Localhost(string path, Func<string, string> readFile)
    {
        string text;
        try
        {
            text = readFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PlanException($"failed to load seccomp profile \"{path}\": {e.Message}");
        }
        try
        {
            return JsonSerializer.Deserialize(text, SeccompFileJson.Default.Seccomp)
                ?? throw new PlanException($"seccomp profile \"{path}\" is empty");
        }
        catch (JsonException e)
        {
            throw new PlanException($"failed to parse seccomp profile \"{path}\": {e.Message}");
        }
    }
}

/// <summary>Profile files are read like Go's encoding/json reads them: field names in any case.</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(Seccomp))]
internal sealed partial class SeccompFileJson : JsonSerializerContext;
