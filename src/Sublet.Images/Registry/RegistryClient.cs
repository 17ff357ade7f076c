using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Sublet.Images.Registry;

/// <summary>
/// HTTP to one repository of one registry, with the auth dance of the distribution token spec
/// (docs/spec/auth/token.md): a request goes out anonymously (or with the token got earlier); a 401
/// names, in <c>WWW-Authenticate</c>, either Basic (the file's credentials are sent) or Bearer
/// (a token is fetched from <c>realm</c> with <c>service</c> and <c>scope</c>, with the credentials
/// as Basic when there are any), and the request is sent once more. Redirects (blob downloads
/// answered with 307 to a CDN) are followed by the handler, which drops the Authorization header
/// on the way so the token never reaches another host.
/// </summary>
internal sealed class RegistryClient(HttpClient http, RegistryEndpoint endpoint, string repository, RegistryCredentials credentials)
{
    private const int MaxTokenResponse = 1 << 20;
    private readonly SemaphoreSlim _authLock = new(1, 1);
    private AuthenticationHeaderValue? _authorization;

    public RegistryEndpoint Endpoint => endpoint;

    /// <summary>The repository as this endpoint names it (under a mirror's namespace, if any).</summary>
    public string Repository => repository;

    /// <summary>Sends a request built by <paramref name="build"/> (it may be sent twice); the caller disposes the response.</summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, CancellationToken ct)
    {
        var sentWith = _authorization;
        var response = await SendOnce(build, sentWith, ct);
        if (response.StatusCode != HttpStatusCode.Unauthorized) return response;
        var challenge = AuthChallenge.Parse(response.Headers.WwwAuthenticate.ToString());
        response.Dispose();
        await _authLock.WaitAsync(ct);
        try
        {
            // Another download may have authorized while this one waited.
            if (ReferenceEquals(_authorization, sentWith)) _authorization = await Authorize(challenge, ct);
        }
        finally
        {
            _authLock.Release();
        }
        response = await SendOnce(build, _authorization, ct);
        if (response.StatusCode != HttpStatusCode.Unauthorized) return response;
        response.Dispose();
        throw new RegistryException(credentials.For(endpoint.Domain) is null
            ? $"{endpoint.Domain} requires authentication and there are no credentials for it{InFile()}"
            : $"{endpoint.Domain} refused the credentials for it{InFile()} (401 Unauthorized)");
    }

    private async Task<HttpResponseMessage> SendOnce(Func<HttpRequestMessage> build, AuthenticationHeaderValue? authorization, CancellationToken ct)
    {
        using var request = build();
        request.Headers.Authorization = authorization;
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    private async Task<AuthenticationHeaderValue> Authorize(AuthChallenge? challenge, CancellationToken ct)
    {
        var credential = credentials.For(endpoint.Domain);
        switch (challenge?.Scheme.ToLowerInvariant())
        {
            case "basic":
                if (credential is null)
                    throw new RegistryException($"{endpoint.Domain} requires authentication (Basic) and there are no credentials for it{InFile()}");
                return Basic(credential);
            case "bearer":
                return new AuthenticationHeaderValue("Bearer", await FetchToken(challenge, credential, ct));
            default:
                throw new RegistryException($"{endpoint.Domain} answered 401 with an unsupported challenge \"{challenge?.Scheme ?? "(none)"}\"");
        }
    }

    /// <summary>token.md "Requesting a Token": GET realm?service=…&amp;scope=repository:NAME:pull.</summary>
    private async Task<string> FetchToken(AuthChallenge challenge, RegistryCredential? credential, CancellationToken ct)
    {
        if (challenge["realm"] is not { Length: > 0 } realm || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri)
            || realmUri.Scheme is not ("https" or "http"))
            throw new RegistryException($"{endpoint.Domain}: the Bearer challenge has no usable realm");
        // A token service over plain HTTP would see the password: only where the registry itself is plain HTTP on loopback.
        if (realmUri.Scheme == "http" && credential is not null && !RegistryEndpoint.IsLoopback(realmUri.Authority))
            throw new RegistryException($"{endpoint.Domain}: refusing to send credentials to the plain-HTTP token service {realmUri.GetLeftPart(UriPartial.Path)}");
        var query = new StringBuilder();
        if (challenge["service"] is { } service) query.Append("service=").Append(Uri.EscapeDataString(service));
        query.Append(query.Length > 0 ? "&" : "").Append("scope=").Append(Uri.EscapeDataString($"repository:{repository}:pull"));
        var uri = new UriBuilder(realmUri) { Query = (realmUri.Query.TrimStart('?') is { Length: > 0 } q ? q + "&" : "") + query }.Uri;
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (credential is not null) request.Headers.Authorization = Basic(credential);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var where = realmUri.GetLeftPart(UriPartial.Path);
        if (!response.IsSuccessStatusCode)
            throw new RegistryException(credential is null
                ? $"{endpoint.Domain}: the token service {where} refused anonymous access ({(int)response.StatusCode} {response.ReasonPhrase}); add credentials for {endpoint.Domain}{InFile()}"
                : $"{endpoint.Domain}: the token service {where} refused the credentials for {endpoint.Domain}{InFile()} ({(int)response.StatusCode} {response.ReasonPhrase})");
        var body = await RegistryHttp.ReadBounded(response, MaxTokenResponse, $"token from {where}", ct);
        try
        {
            using var doc = JsonDocument.Parse(body);
            foreach (var name in new[] { "token", "access_token" })
                if (doc.RootElement.TryGetProperty(name, out var token) && token.GetString() is { Length: > 0 } value) return value;
        }
        catch (JsonException)
        {
            // Fall through: the body is not quoted back, it may hold a secret.
        }
        throw new RegistryException($"{endpoint.Domain}: the token service {where} answered without a token");
    }

    private static AuthenticationHeaderValue Basic(RegistryCredential credential) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}")));

    private string InFile() => credentials.Source is { } source ? $" in {source}" : " (no auth file)";
}
