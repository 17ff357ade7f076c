using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Sublet.Integration.Tests;

/// <summary>
/// A registry token server on 127.0.0.1 (distribution's "Token Authentication Specification"):
/// GET /token?service=…&amp;scope=repository:NAME:ACTIONS with Basic credentials answers
/// <c>{"token": JWT}</c>, the JWT signed with ES256 by a key whose self-signed certificate the
/// registry trusts (auth.token.rootcertbundle) and names in the <c>x5c</c> header. Wrong or no
/// credentials get 401. Requests are counted so a test can tell the token flow was used.
/// </summary>
internal sealed class TokenServer : IDisposable
{
    public const string Service = "sublet-test-registry";
    public const string Issuer = "sublet-test-issuer";
    private readonly HttpListener _listener;
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _cert;
    private readonly string _user;
    private readonly string _password;
    private int _issued;

    public TokenServer(string dir, string user, string password)
    {
        _user = user;
        _password = password;
        var request = new CertificateRequest("CN=sublet test token issuer", _key, HashAlgorithmName.SHA256);
        _cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        RootCertBundle = Path.Combine(dir, "token-root.pem");
        File.WriteAllText(RootCertBundle, _cert.ExportCertificatePem());
        _listener = LoopbackListener.Start(out var port);
        Port = port;
        _ = Task.Run(Serve);
    }

    public int Port { get; }
    public string Realm => $"http://127.0.0.1:{Port}/token";
    public string RootCertBundle { get; }

    /// <summary>Tokens handed out over HTTP so far.</summary>
    public int Issued => Volatile.Read(ref _issued);

    /// <summary>The registry's <c>auth:</c> section for this server.</summary>
    public string RegistryConfig =>
        $"auth:\n  token:\n    realm: {Realm}\n    service: {Service}\n    issuer: {Issuer}\n    rootcertbundle: {RootCertBundle}\n";

    /// <summary>A token for <paramref name="repository"/> with <paramref name="actions"/>, as the server would issue.</summary>
    public string Mint(string repository, params string[] actions)
    {
        var header = new JsonObject { ["alg"] = "ES256", ["typ"] = "JWT", ["x5c"] = new JsonArray(Convert.ToBase64String(_cert.RawData)) };
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new JsonObject
        {
            ["iss"] = Issuer, ["sub"] = _user, ["aud"] = Service, ["exp"] = now + 300, ["nbf"] = now - 60, ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = new JsonArray(new JsonObject { ["type"] = "repository", ["name"] = repository, ["actions"] = new JsonArray([.. actions.Select(a => (JsonNode)a)]) }),
        };
        var signed = $"{Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString()))}.{Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()))}";
        // JWS ES256: the raw r||s signature (RFC 7518 §3.4), .NET's default IEEE P1363 format.
        return signed + "." + Base64Url(_key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256));
    }

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var response = context.Response;
            var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_user}:{_password}"));
            var scope = context.Request.QueryString["scope"] ?? "";
            // scope = repository:NAME:pull[,push]
            var parts = scope.Split(':');
            if (context.Request.Headers["Authorization"] != expected || parts.Length != 3 || context.Request.QueryString["service"] != Service)
            {
                response.StatusCode = 401;
                continue;
            }
            Interlocked.Increment(ref _issued);
            var body = Encoding.UTF8.GetBytes(new JsonObject { ["token"] = Mint(parts[1], parts[2].Split(',')), ["expires_in"] = 300 }.ToJsonString());
            response.ContentType = "application/json";
            await response.OutputStream.WriteAsync(body);
        }
    }

    private static string Base64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose()
    {
        _listener.Close();
        _key.Dispose();
        _cert.Dispose();
    }
}
