using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Sublet.Images.Tests.Registry;

/// <summary>
/// A registry in memory, behind an HttpMessageHandler: manifests by repository and tag or digest,
/// blobs by digest, and optionally the Basic or Bearer (token server) challenge of the
/// distribution auth spec. Records every request so tests can say what went over the wire.
/// </summary>
internal sealed class FakeRegistry : HttpMessageHandler
{
    public const string Host = "registry.example";
    public const string TokenRealm = "https://auth.example/token";
    private const string Token = "token-s3cret";
    private readonly Dictionary<string, (string MediaType, byte[] Body)> _manifests = [];
    private readonly Dictionary<string, byte[]> _blobs = [];

    public List<(string Method, string Path, string? Authorization)> Requests { get; } = [];

    /// <summary>The <c>host[:port]</c> this registry answers for (other hosts get 502).</summary>
    public string Authority { get; init; } = Host;

    /// <summary>When set, every request is answered with this status (a registry that is broken).</summary>
    public HttpStatusCode? FailWith { get; set; }

    /// <summary>For <see cref="FakeNetwork"/>, which routes requests by host.</summary>
    public Task<HttpResponseMessage> Answer(HttpRequestMessage request, CancellationToken ct) => SendAsync(request, ct);

    /// <summary>"Bearer", "Basic" or null (anonymous).</summary>
    public string? Auth { get; init; }

    /// <summary>What Basic (directly or at the token server) must carry; null = anonymous tokens.</summary>
    public (string User, string Password)? Account { get; init; }

    /// <summary>Blobs whose body sends a few bytes and then nothing, until the client gives up.</summary>
    public HashSet<string> Stalled { get; } = [];

    /// <summary>Blob digest → the byte (from the blob's start) at which its next response breaks, as a dropped connection does; once.</summary>
    public Dictionary<string, long> CutAt { get; } = [];

    /// <summary>Answer Range requests with the whole blob (200), as a server may (RFC 9110 §14.2).</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>Every blob GET: the digest and the Range header sent (null: none).</summary>
    public List<(string Digest, string? Range)> BlobGets { get; } = [];

    /// <summary>Blob body bytes sent so far.</summary>
    public long BlobBytesServed => Interlocked.Read(ref _served);

    private long _served;

    public void PutBlob(byte[] data) => _blobs[Layouts.Sha(data)] = data;

    /// <summary>Serves other bytes under <paramref name="digest"/>: a corrupted blob.</summary>
    public void Corrupt(string digest, byte[] data) => _blobs[digest] = data;

    public string PutManifest(string repository, string? tag, string mediaType, byte[] body)
    {
        var digest = Layouts.Sha(body);
        _manifests[$"{repository}/{digest}"] = (mediaType, body);
        if (tag is not null) _manifests[$"{repository}/{tag}"] = (mediaType, body);
        return digest;
    }

    public byte[] ManifestBody(string repository, string reference) =>
        _manifests.TryGetValue($"{repository}/{reference}", out var m) ? m.Body : [];

    /// <summary>Puts an image (config, layers, OCI manifest) and returns the manifest's digest.</summary>
    public string PutImage(string repository, string? tag, IReadOnlyList<TestLayer> layers, string cmd = "sh")
    {
        var config = Layouts.Config(layers, cmd);
        PutBlob(config);
        foreach (var layer in layers) PutBlob(layer.Blob);
        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = Layouts.Descriptor("application/vnd.oci.image.config.v1+json", Layouts.Sha(config), config.Length),
            ["layers"] = new JsonArray([.. layers.Select(l => (JsonNode)Layouts.Descriptor(
                l.Compression == "zstd" ? "application/vnd.oci.image.layer.v1.tar+zstd" : "application/vnd.oci.image.layer.v1.tar+gzip", Layouts.Sha(l.Blob), l.Blob.Length))]),
        }.ToJsonString());
        return PutManifest(repository, tag, "application/vnd.oci.image.manifest.v1+json", manifest);
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var uri = request.RequestUri!;
        Requests.Add((request.Method.Method, uri.AbsolutePath, request.Headers.Authorization?.ToString()));
        if (uri.GetLeftPart(UriPartial.Path) == TokenRealm) return Task.FromResult(IssueToken(request));
        if (uri.Authority != Authority) return Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadGateway));
        if (FailWith is { } status) return Task.FromResult(Error(status, "UNAVAILABLE", "the fake registry is failing"));
        if (!Authorized(request)) return Task.FromResult(Challenge(uri));
        var path = uri.AbsolutePath;
        if (path == "/v2/") return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        var manifests = path.IndexOf("/manifests/", StringComparison.Ordinal);
        if (manifests > 0)
        {
            var key = path[4..manifests] + "/" + path[(manifests + 11)..];
            if (!_manifests.TryGetValue(key, out var m)) return Task.FromResult(Error(HttpStatusCode.NotFound, "MANIFEST_UNKNOWN", "manifest unknown"));
            var content = new ByteArrayContent(m.Body);
            content.Headers.ContentType = new MediaTypeHeaderValue(m.MediaType);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        }
        var blobs = path.IndexOf("/blobs/", StringComparison.Ordinal);
        if (blobs > 0 && _blobs.TryGetValue(path[(blobs + 7)..], out var blob))
            return Task.FromResult(Blob(path[(blobs + 7)..], blob, request.Headers.Range));
        return Task.FromResult(Error(HttpStatusCode.NotFound, "BLOB_UNKNOWN", "blob unknown to registry"));
    }

    /// <summary>A blob, or the part a single <c>bytes=N-</c> Range asks for (206 with Content-Range, RFC 9110 §14.4).</summary>
    private HttpResponseMessage Blob(string digest, byte[] blob, RangeHeaderValue? range)
    {
        lock (BlobGets) BlobGets.Add((digest, range?.ToString()));
        if (Stalled.Contains(digest)) return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new StallingStream(blob[..10])) };
        long from = 0;
        if (!IgnoreRange && range is { Ranges.Count: 1 } && range.Ranges.First().From is { } start)
        {
            if (start >= blob.Length) return new HttpResponseMessage(HttpStatusCode.RequestedRangeNotSatisfiable);
            from = start;
        }
        long end = blob.Length;
        lock (CutAt)
        {
            if (CutAt.Remove(digest, out var cut)) end = cut;
        }
        Interlocked.Add(ref _served, end - from);
        var part = blob[(int)from..(int)end];
        HttpContent content = end < blob.Length ? new StreamContent(new BreakingStream(part)) : new ByteArrayContent(part);
        if (range is not null && !IgnoreRange)
        {
            content.Headers.ContentRange = new ContentRangeHeaderValue(from, blob.Length - 1, blob.Length);
            return new HttpResponseMessage(HttpStatusCode.PartialContent) { Content = content };
        }
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    private bool Authorized(HttpRequestMessage request) => Auth switch
    {
        null => true,
        "Bearer" => request.Headers.Authorization?.ToString() == "Bearer " + Token,
        _ => request.Headers.Authorization?.ToString() == BasicValue(),
    };

    private HttpResponseMessage Challenge(Uri uri)
    {
        var response = new HttpResponseMessage(HttpStatusCode.Unauthorized);
        var repository = uri.AbsolutePath.Split('/') is { Length: > 4 } parts ? string.Join('/', parts[2..^2]) : null;
        response.Headers.WwwAuthenticate.ParseAdd(Auth == "Bearer"
            ? $"Bearer realm=\"{TokenRealm}\",service=\"{Host}\"" + (repository is null ? "" : $",scope=\"repository:{repository}:pull\"")
            : $"Basic realm=\"{Authority}\"");
        return response;
    }

    private HttpResponseMessage IssueToken(HttpRequestMessage request)
    {
        var query = request.RequestUri!.Query;
        if (!query.Contains("service=" + Host, StringComparison.Ordinal) || !query.Contains("scope=repository%3A", StringComparison.Ordinal))
            return new HttpResponseMessage(HttpStatusCode.BadRequest);
        if (Account is not null && request.Headers.Authorization?.ToString() != BasicValue())
            return new HttpResponseMessage(HttpStatusCode.Unauthorized);
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent($"{{\"token\":\"{Token}\",\"expires_in\":300}}") };
    }

    private string BasicValue() =>
        Account is { } a ? "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{a.User}:{a.Password}")) : "";

    private static HttpResponseMessage Error(HttpStatusCode status, string code, string message) =>
        new(status) { Content = new StringContent($"{{\"errors\":[{{\"code\":\"{code}\",\"message\":\"{message}\"}}]}}") };
}

/// <summary>Returns its bytes, then blocks every read until the reader cancels it.</summary>
internal sealed class StallingStream(byte[] head) : MemoryStream(head)
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await base.ReadAsync(buffer, cancellationToken);
        if (n > 0) return n;
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}

/// <summary>Returns its bytes, then fails the next read as a reset connection does.</summary>
internal sealed class BreakingStream(byte[] head) : MemoryStream(head)
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await base.ReadAsync(buffer, cancellationToken);
        return n > 0 ? n : throw new IOException("Connection reset by peer (fake)");
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}

/// <summary>
/// Several <see cref="FakeRegistry"/> hosts behind one handler, routed by <c>host[:port]</c>; a
/// host with no registry refuses the connection, as a stopped server does. Records the URL of
/// every request, so tests can say which hosts were asked, in which order.
/// </summary>
internal sealed class FakeNetwork(params FakeRegistry[] registries) : HttpMessageHandler
{
    public List<string> Urls { get; } = [];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var uri = request.RequestUri!;
        lock (Urls) Urls.Add($"{request.Method} {uri}");
        var registry = uri.GetLeftPart(UriPartial.Path) == FakeRegistry.TokenRealm
            ? registries.FirstOrDefault(r => r.Authority == FakeRegistry.Host)
            : registries.FirstOrDefault(r => r.Authority == uri.Authority);
        if (registry is null) throw new HttpRequestException($"Connection refused ({uri.Authority})");
        return registry.Answer(request, ct);
    }
}
