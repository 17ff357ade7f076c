using System.Net;
using System.Text.Json;

namespace Sublet.Images.Registry;

/// <summary>Small helpers for registry responses: bounded reads and error bodies (distribution spec "Error Codes").</summary>
internal static class RegistryHttp
{
    /// <summary>Reads at most <paramref name="limit"/> bytes; a longer body is an error, not a big allocation.</summary>
    public static async Task<byte[]> ReadBounded(HttpResponseMessage response, int limit, string what, CancellationToken ct)
    {
        if (response.Content.Headers.ContentLength is > 0 and var declared && declared > limit)
            throw new RegistryException($"{what}: {declared} bytes, more than the {limit} accepted");
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 14];
        int n;
        while ((n = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > limit) throw new RegistryException($"{what}: more than the {limit} bytes accepted");
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// "404 Not Found: MANIFEST_UNKNOWN manifest unknown": the status and the registry's own error
    /// codes (spec: <c>{"errors":[{"code","message"}]}</c>), never the request's headers.
    /// </summary>
    public static async Task<string> Describe(HttpResponseMessage response, CancellationToken ct)
    {
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase ?? response.StatusCode.ToString()}";
        try
        {
            var body = await ReadBounded(response, 1 << 16, "error body", ct);
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                var parts = errors.EnumerateArray()
                    .Select(e => $"{Text(e, "code")} {Text(e, "message")}".Trim())
                    .Where(s => s.Length > 0).ToList();
                if (parts.Count > 0) return $"{status}: {string.Join("; ", parts)}";
            }
        }
        catch (Exception e) when (e is JsonException or RegistryException or HttpRequestException or IOException)
        {
            // No structured error: the status says enough.
        }
        return response.StatusCode == HttpStatusCode.NotFound ? $"{status} (no such repository, tag or digest)" : status;
    }

    private static string Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
}
