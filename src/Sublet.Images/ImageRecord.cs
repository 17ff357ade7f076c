namespace Sublet.Images;

/// <summary>
/// The parts of an image's config (image-spec config.md, "config" object) a container needs.
/// Null means the image does not set the field.
/// </summary>
public sealed record ImageConfig(
    IReadOnlyList<string> Env,
    IReadOnlyList<string>? Entrypoint,
    IReadOnlyList<string>? Cmd,
    string? WorkingDir,
    string? User,
    string? StopSignal);

/// <summary>
/// One reference in the store.
/// <para><see cref="Reference"/> is normalized (<c>docker.io/library/busybox:latest</c>); an image
/// loaded without any name is recorded under its <see cref="Id"/> instead.</para>
/// <para><see cref="Id"/> is <c>sha256:&lt;hex&gt;</c> of the config blob, as docker and podman show it.</para>
/// <para><see cref="LayerIds"/> are the chain IDs (image-spec config.md "Layer ChainID") of the
/// layers as lowercase hex without the <c>sha256:</c> prefix, bottom first: each is the name of a
/// directory under <see cref="ImageStore.LayersRoot"/>. Hex only, because ':' separates
/// overlayfs lowerdirs.</para>
/// <para><see cref="Size"/> is the bytes of the config and layer blobs as stored (compressed), as
/// `docker images` reports for pulled images; <see cref="Created"/> is the config's "created"
/// (the Unix epoch when the image does not say).</para>
/// </summary>
public sealed record ImageRecord(
    string Reference,
    string Id,
    string ManifestDigest,
    IReadOnlyList<string> LayerIds,
    long Size,
    DateTimeOffset Created,
    ImageConfig Config);
