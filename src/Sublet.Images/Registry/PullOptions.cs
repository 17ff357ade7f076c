namespace Sublet.Images.Registry;

/// <summary>How pulls reach registries (node configuration <c>registries</c>, see docs/configuration.md).</summary>
public sealed record PullOptions
{
    /// <summary>docker-style auth file (<c>{"auths": …}</c>); missing file = anonymous.</summary>
    public string? AuthFile { get; init; }

    /// <summary>Registry domains (<c>host[:port]</c>) reached over plain HTTP; loopback ones always are.</summary>
    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];

    /// <summary>
    /// Registry domain → mirror URLs (<c>[http://|https://]host[:port][/namespace]</c>), tried in
    /// order before the registry itself; the image keeps its name (node configuration
    /// <c>registries.mirrors</c>). Keys match without regard to case.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Mirrors { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Registry host (<c>host[:port]</c>) → PEM file of CAs trusted for it besides the system's (<see cref="RegistryTrust"/>).</summary>
    public IReadOnlyDictionary<string, string> CaFiles { get; init; } = new Dictionary<string, string>();

    /// <summary>Layers downloaded at once per pull (docker's max-concurrent-downloads default is 3).</summary>
    public int MaxConcurrentDownloads { get; init; } = 3;

    /// <summary>Until the response headers arrive; the body then streams at its own pace.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A blob download that receives no byte for this long fails, naming the blob.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Credentials for this pull's registry, over any from <see cref="AuthFile"/> (CRI
    /// PullImageRequest.auth: the kubelet resolves imagePullSecrets and sends them per pull).
    /// Sent to the image's own registry only, never to its mirrors (other hosts): a mirror gets
    /// the auth file's credentials for the mirror's host.
    /// </summary>
    public PullCredential? Credential { get; init; }

    /// <summary>Called from download threads as blobs start, advance and finish.</summary>
    public Action<PullProgress>? Progress { get; init; }

    /// <summary>The platform chosen from an index; the host's by default.</summary>
    public string Os { get; init; } = "linux";

    public string Architecture { get; init; } = OciLayoutImporter.HostArchitecture;

    /// <summary>Tests replace the network with a fake handler.</summary>
    internal HttpMessageHandler? Handler { get; init; }
}

/// <summary>A user name and password given for one pull. <see cref="ToString"/> never shows the password.</summary>
public sealed record PullCredential(string Username, string Password)
{
    public override string ToString() => $"{Username}:<redacted>";
}

public enum PullStage
{
    /// <summary>Already in the store: not downloaded.</summary>
    Exists,
    Started,

    /// <summary>Going on from <see cref="PullProgress.Done"/> bytes an earlier, interrupted download kept.</summary>
    Resumed,
    Progress,
    Done,
}

/// <summary>One step of one blob's download. <see cref="Total"/> is the descriptor's size.</summary>
public sealed record PullProgress(string Kind, string Digest, PullStage Stage, long Done, long Total);
