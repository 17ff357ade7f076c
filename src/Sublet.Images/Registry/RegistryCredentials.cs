using System.Text;
using System.Text.Json;

namespace Sublet.Images.Registry;

/// <summary>A user name and secret for one registry. <see cref="ToString"/> never shows the secret.</summary>
internal sealed record RegistryCredential(string Username, string Password)
{
    public override string ToString() => $"{Username}:<redacted>";
}

/// <summary>
/// Credentials from a docker-style auth file: docker's <c>~/.docker/config.json</c> and
/// containers-auth.json(5) share the shape <c>{"auths": {"HOST": {"auth": base64("user:pass")}}}</c>
/// (or <c>username</c>/<c>password</c> fields). Keys may be bare domains or URLs
/// (<c>https://index.docker.io/v1/</c> for Docker Hub), so both are matched by their host part.
/// Credential helpers (<c>credsStore</c>, <c>credHelpers</c>) are not run.
/// </summary>
internal sealed class RegistryCredentials
{
    private readonly Dictionary<string, RegistryCredential> _byDomain;

    private RegistryCredentials(Dictionary<string, RegistryCredential> byDomain, string? source)
    {
        _byDomain = byDomain;
        Source = source;
    }

    public static RegistryCredentials None { get; } = new([], null);

    /// <summary>The file the credentials came from, for messages (never its content).</summary>
    public string? Source { get; }

    public static RegistryCredentials Load(string? path)
    {
        if (path is null) return None;
        if (!File.Exists(path)) return new RegistryCredentials([], path + " (no such file)");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException)
        {
            // The parser's message may quote the file, and the file holds secrets.
            throw new ImageException($"{path}: not a valid JSON auth file");
        }
        using (doc)
        {
            var result = new Dictionary<string, RegistryCredential>(StringComparer.OrdinalIgnoreCase);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("auths", out var auths) || auths.ValueKind != JsonValueKind.Object)
                return new RegistryCredentials(result, path);
            foreach (var entry in auths.EnumerateObject())
            {
                if (Parse(entry.Value, path, entry.Name) is { } credential) result[NormalizeKey(entry.Name)] = credential;
            }
            return new RegistryCredentials(result, path);
        }
    }

    /// <summary>These credentials with <paramref name="credential"/> for <paramref name="domain"/> in place of any the file has.</summary>
    public RegistryCredentials With(string domain, PullCredential credential) =>
        new(new Dictionary<string, RegistryCredential>(_byDomain, StringComparer.OrdinalIgnoreCase) { [domain] = new(credential.Username, credential.Password) },
            "the credentials sent with the pull");

    public RegistryCredential? For(string domain)
    {
        if (_byDomain.TryGetValue(domain, out var credential)) return credential;
        if (domain == "docker.io")
        {
            foreach (var alias in new[] { "index.docker.io", "registry-1.docker.io" })
                if (_byDomain.TryGetValue(alias, out credential)) return credential;
        }
        return null;
    }

    /// <summary><c>https://index.docker.io/v1/</c> → <c>index.docker.io</c>; <c>host:5000</c> stays.</summary>
    internal static string NormalizeKey(string key)
    {
        var k = key;
        var scheme = k.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) k = k[(scheme + 3)..];
        var slash = k.IndexOf('/');
        return slash >= 0 ? k[..slash] : k;
    }

    private static RegistryCredential? Parse(JsonElement entry, string path, string key)
    {
        if (entry.ValueKind != JsonValueKind.Object) return null;
        if (entry.TryGetProperty("auth", out var auth) && auth.GetString() is { Length: > 0 } encoded)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            }
            catch (FormatException)
            {
                throw new ImageException($"{path}: the \"auth\" of \"{key}\" is not base64");
            }
            var colon = decoded.IndexOf(':');
            if (colon < 0) throw new ImageException($"{path}: the \"auth\" of \"{key}\" is not base64 of user:password");
            return new RegistryCredential(decoded[..colon], decoded[(colon + 1)..]);
        }
        if (entry.TryGetProperty("username", out var user) && entry.TryGetProperty("password", out var password)
            && user.GetString() is { Length: > 0 } u && password.GetString() is { } p)
            return new RegistryCredential(u, p);
        return null;
    }
}
