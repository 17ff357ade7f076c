namespace Sublet.Images;

/// <summary>
/// What an importer found and put into the blob store: the image's names (normalized; empty when
/// the archive names none), its manifest, config and layer blobs (bottom first).
/// </summary>
internal sealed record ImportedImage(
    IReadOnlyList<string> References, string ManifestDigest, string ConfigDigest, IReadOnlyList<string> LayerDigests);
