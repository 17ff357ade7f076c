namespace Sublet.Cri.Images;

/// <summary>info["info"] of a verbose ImageStatus: what the store knows of the image, for people (crictl inspecti).</summary>
internal sealed record ImageInfo(
    string Id, IReadOnlyList<string> References, string ManifestDigest, IReadOnlyList<string> ChainIds, long Size, DateTimeOffset Created,
    ImageConfigInfo Config);

/// <summary>The image config fields a container starts from (image-spec config.md "config").</summary>
internal sealed record ImageConfigInfo(
    IReadOnlyList<string> Env, IReadOnlyList<string>? Entrypoint, IReadOnlyList<string>? Cmd, string? WorkingDir, string? User, string? StopSignal);
