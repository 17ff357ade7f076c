using System.Net;
using System.Net.Http.Headers;

namespace Sublet.Images.Registry;

/// <summary>
/// Fetches one image from its registry into the blob store: the manifest (following an index to
/// this platform's entry), then the config and the layers, several layers at once. Every blob is
/// streamed to its partial file with its SHA-256 computed on the way, resumed with Range when cut
/// short, and committed only when digest and size match its descriptor (<see cref="BlobDownload"/>);
/// blobs already in the store are not downloaded. Unpacking is the store's job, as for <c>image load</c>.
/// </summary>
internal sealed class RegistryFetcher(PullOptions options, BlobStore blobs)
{
    // containerd's limit for manifests and indexes (remotes/docker: maxManifestSize = 4 MiB).
    private const int MaxManifestSize = 4 << 20;
    private const int MaxIndexDepth = 4;

    private static readonly string[] AcceptedManifests =
    [
        OciJson.IndexMediaType, OciJson.ManifestMediaType, OciJson.DockerListMediaType, OciJson.DockerManifestMediaType,
    ];

    private static readonly HashSet<string> LayerMediaTypes =
    [
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.diff.tar",
    ];

    /// <summary>
    /// Fetches from the image's mirrors in order, then from its registry (<see cref="RegistryEndpoint.Route"/>).
    /// Whatever fails on a mirror (it is down, lacks the image, answers 5xx, refuses credentials,
    /// sends bad bytes) moves the pull on to the next place, keeping the blobs already verified;
    /// when every place fails the error names each and its cause, in order.
    /// </summary>
    public async Task<ImportedImage> FetchAsync(ImageReference reference, CancellationToken ct)
    {
        var route = RegistryEndpoint.Route(reference.Domain, options.Mirrors, options.InsecureRegistries);
        using var http = NewHttpClient();
        var fileCredentials = RegistryCredentials.Load(options.AuthFile);
        // Credentials sent with the pull (CRI AuthConfig) are the origin's: a mirror is another host.
        var originCredentials = options.Credential is { } given ? fileCredentials.With(reference.Domain, given) : fileCredentials;
        if (route.Count == 1) return await FetchFrom(new RegistryClient(http, route[0], reference.Repository, originCredentials), reference, ct);
        var failures = new List<string>();
        foreach (var endpoint in route)
        {
            var client = new RegistryClient(http, endpoint, endpoint.RepositoryFor(reference.Repository), endpoint.IsMirror ? fileCredentials : originCredentials);
            try
            {
                return await FetchFrom(client, reference, ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is ImageException or HttpRequestException or IOException or OperationCanceledException)
            {
                failures.Add($"{(failures.Count > 0 ? "then " : "")}{endpoint.Describe}: {Cause(e)}");
            }
        }
        throw new RegistryException(string.Join("; ", failures));
    }

    private static string Cause(Exception e) => e switch
    {
        OperationCanceledException => "timed out waiting for the registry",
        _ => e.Message,
    };

    private async Task<ImportedImage> FetchFrom(RegistryClient client, ImageReference reference, CancellationToken ct)
    {
        await Ping(client, ct);
        var (manifestDigest, manifestBytes) = await ResolveManifest(client, reference, ct);
        var manifest = OciJson.Parse<OciManifest>(manifestBytes, $"manifest {manifestDigest}");
        if (manifest.Config is null || manifest.Layers is null)
            throw new ImageException($"manifest {manifestDigest}: no config or layers; not an image manifest");
        foreach (var layer in manifest.Layers)
        {
            if (layer.MediaType is { } type && !LayerMediaTypes.Contains(type))
                throw new ImageException($"layer {layer.Digest}: unsupported media type \"{type}\"");
        }
        var config = await FetchBlob(client, manifest.Config, "config", ct);
        var layers = new string[manifest.Layers.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, layers.Length),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxConcurrentDownloads), CancellationToken = ct },
            async (i, token) => layers[i] = await FetchBlob(client, manifest.Layers[i], "layer", token));
        await blobs.AddAsync(new MemoryStream(manifestBytes), manifestDigest, manifestBytes.Length, $"manifest {manifestDigest}", ct);
        return new ImportedImage([reference.ToString()], manifestDigest, config, layers);
    }

    /// <summary>
    /// distribution spec end-1, <c>GET /v2/</c>: 200 (or 401, answered by the client's auth
    /// dance) says the host speaks the v2 API; anything else is reported before asking for an image.
    /// </summary>
    private static async Task Ping(RegistryClient client, CancellationToken ct)
    {
        using var response = await client.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, client.Endpoint.Ping), ct);
        if (!response.IsSuccessStatusCode)
            throw new RegistryException($"{client.Endpoint.Ping} is not a registry API endpoint: {await RegistryHttp.Describe(response, ct)}");
    }

    private HttpClient NewHttpClient()
    {
        var handler = options.Handler ?? new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 10,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.None,
            SslOptions = { RemoteCertificateValidationCallback = RegistryTrust.Callback(options.CaFiles) },
        };
        return new HttpClient(handler, disposeHandler: options.Handler is null) { Timeout = options.RequestTimeout };
    }

    /// <summary>
    /// GETs the manifest by tag or digest; an index is followed to this platform's manifest. A
    /// manifest asked for by digest must hash to it (distribution spec "Pulling manifests": the
    /// client must verify); an index entry's manifest must match the entry's digest and size.
    /// </summary>
    private async Task<(string Digest, byte[] Bytes)> ResolveManifest(RegistryClient client, ImageReference reference, CancellationToken ct)
    {
        var target = reference.ManifestReference;
        long expectedSize = -1;
        for (var depth = 0; ; depth++)
        {
            var (mediaType, bytes) = await GetManifest(client, target, ct);
            var digest = Digest.Of(bytes);
            if (Digest.IsValid(target) && digest != target)
                throw new ImageException($"manifest {target}: digest mismatch: the registry sent content with {digest}");
            if (expectedSize >= 0 && bytes.Length != expectedSize)
                throw new ImageException($"manifest {target}: size mismatch: {bytes.Length} bytes, the index says {expectedSize}");
            if (OciJson.IsManifest(mediaType)) return (digest, bytes);
            if (!OciJson.IsIndex(mediaType))
                throw new ImageException($"manifest {reference.ManifestReference}: unsupported media type \"{mediaType}\" (Docker schema 1 and artifacts cannot be run)");
            if (depth >= MaxIndexDepth) throw new ImageException($"index {digest}: indexes nested deeper than {MaxIndexDepth}");
            var index = OciJson.Parse<OciIndex>(bytes, $"index {digest}");
            var candidates = index.Manifests ?? [];
            var chosen = PlatformSelector.Select(candidates, options.Os, options.Architecture)
                ?? throw new ImageException($"index {digest}: no image for {options.Os}/{options.Architecture} (has: " +
                    string.Join(", ", candidates.Select(d => PlatformSelector.Describe(d.Platform))) + ")");
            target = chosen.Digest!;
            Digest.Hex(target, $"index {digest}: entry");
            expectedSize = chosen.Size;
        }
    }

    private async Task<(string? MediaType, byte[] Bytes)> GetManifest(RegistryClient client, string target, CancellationToken ct)
    {
        var uri = client.Endpoint.Manifest(client.Repository, target);
        using var response = await client.SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, uri);
            foreach (var type in AcceptedManifests) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            return request;
        }, ct);
        if (!response.IsSuccessStatusCode)
            throw new RegistryException($"manifest {target}: {await RegistryHttp.Describe(response, ct)}");
        var bytes = await RegistryHttp.ReadBounded(response, MaxManifestSize, $"manifest {target}", ct);
        // The header can be a generic JSON type; the document's own mediaType (required by
        // image-spec since 1.1 and always set by Docker) then decides.
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (!OciJson.IsIndex(mediaType) && !OciJson.IsManifest(mediaType))
        {
            var doc = OciJson.Parse<OciIndex>(bytes, $"manifest {target}");
            mediaType = doc.MediaType ?? (doc.Manifests is not null ? OciJson.IndexMediaType : OciJson.ManifestMediaType);
        }
        return (mediaType, bytes);
    }

    private Task<string> FetchBlob(RegistryClient client, Descriptor descriptor, string kind, CancellationToken ct) =>
        new BlobDownload(options, blobs).FetchAsync(client, descriptor, kind, ct);
}
