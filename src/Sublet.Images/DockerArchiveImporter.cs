using System.Text.Json;

namespace Sublet.Images;

/// <summary>
/// Imports a <c>docker save</c> archive (docker image/spec/v1.2.md): <c>manifest.json</c> lists
/// each image's config file, RepoTags and layer tars. Older docker names them
/// <c>&lt;config-hex&gt;.json</c> and <c>&lt;v1-id&gt;/layer.tar</c>; docker 25+ uses
/// <c>blobs/sha256/&lt;hex&gt;</c>. Where a file name is a digest it is checked; either way each
/// layer's uncompressed digest is checked against the config's diff_ids when it is unpacked.
/// docker save has no OCI manifest, so one is written (image-spec manifest.md) and stored as a blob:
/// it records which layer blobs the image uses.
/// </summary>
internal sealed class DockerArchiveImporter(ImageSource source, BlobStore blobs)
{
    public static bool Recognizes(ImageSource source) => source.Has("manifest.json");

    public IReadOnlyList<ImportedImage> Import(CancellationToken ct)
    {
        var what = $"{source.DisplayName}: manifest.json";
        var entries = OciJson.Parse<List<DockerManifestEntry>>(File.ReadAllBytes(source.File("manifest.json", "manifest")), what);
        if (entries.Count == 0) throw new ImageException($"{what}: lists no image");
        var images = new List<ImportedImage>();
        foreach (var entry in entries)
        {
            var config = Add(entry.Config, "config", ct);
            var layers = (entry.Layers ?? throw new ImageException($"{what}: image {entry.Config} has no Layers"))
                .Select(l => Add(l, "layer", ct)).ToList();
            var manifest = new OciManifest(2, OciJson.ManifestMediaType,
                new Descriptor(OciJson.ConfigMediaType, config, new FileInfo(blobs.PathOf(config)).Length, null, null),
                [.. layers.Select(Describe)]);
            var manifestDigest = blobs.AddBytes(JsonSerializer.SerializeToUtf8Bytes(manifest, OciJson.TypeInfo<OciManifest>()), ct);
            var names = (entry.RepoTags ?? []).Select(ImageReference.Normalize).ToList();
            images.Add(new ImportedImage(names, manifestDigest, config, layers));
        }
        return images;
    }

    private string Add(string? name, string what, CancellationToken ct)
    {
        var path = source.File(name, what);
        return blobs.Add(path, DigestFromName(name!), -1, $"{source.DisplayName}: {what} \"{name}\"", ct);
    }

    private Descriptor Describe(string digest)
    {
        using var blob = blobs.Open(digest);
        return new Descriptor(Compression.LayerMediaType(blob), digest, blob.Length, null, null);
    }

    /// <summary>The digest a docker-save file name promises: <c>blobs/sha256/HEX</c> or <c>HEX.json</c>.</summary>
    internal static string? DigestFromName(string name)
    {
        var components = LayerPath.Clean(name) ?? [];
        var candidate = components.Count switch
        {
            3 when components[0] == "blobs" && components[1] == "sha256" => components[2],
            1 when components[0].EndsWith(".json", StringComparison.Ordinal) => components[0][..^".json".Length],
            _ => null,
        };
        return Digest.IsValid(Digest.Prefix + candidate) ? Digest.Prefix + candidate : null;
    }
}
