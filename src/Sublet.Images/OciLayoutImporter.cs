using System.Runtime.InteropServices;

namespace Sublet.Images;

/// <summary>
/// Imports an OCI image layout (image-spec image-layout.md): <c>oci-layout</c>, <c>index.json</c>
/// and <c>blobs/sha256/*</c>. Each descriptor of index.json is an image; a descriptor that is
/// itself an index (multi-platform, image-index.md) is followed down to the manifest for this
/// host's platform. Every blob reached is copied into the store with its digest and size checked.
/// </summary>
internal sealed class OciLayoutImporter(ImageSource source, BlobStore blobs)
{
    private const int MaxIndexDepth = 8;

    public static bool Recognizes(ImageSource source) => source.Has("oci-layout") && source.Has("index.json");

    public IReadOnlyList<ImportedImage> Import(CancellationToken ct)
    {
        var index = OciJson.Parse<OciIndex>(File.ReadAllBytes(source.File("index.json", "index")), $"{source.DisplayName}: index.json");
        var descriptors = (index.Manifests ?? []).Where(d => d.Platform is null || IsHostPlatform(d.Platform)).ToList();
        if (descriptors.Count == 0)
            throw new ImageException($"{source.DisplayName}: index.json lists no image for {HostPlatform}");
        var images = new List<ImportedImage>();
        foreach (var descriptor in descriptors)
        {
            var manifestDigest = ResolveManifest(descriptor, 0, ct);
            var manifest = OciJson.Parse<OciManifest>(blobs.Read(manifestDigest), $"manifest {manifestDigest}");
            if (manifest.Config is null || manifest.Layers is null)
                throw new ImageException($"manifest {manifestDigest}: no config or layers; not an image manifest");
            var config = Add(manifest.Config, $"config of manifest {manifestDigest}", ct);
            var layers = manifest.Layers.Select(l => Add(l, $"layer {l.Digest}", ct)).ToList();
            images.Add(new ImportedImage(Names(descriptor), manifestDigest, config, layers));
        }
        return images;
    }

    /// <summary>Follows nested indexes to the manifest for this host's platform.</summary>
    private string ResolveManifest(Descriptor descriptor, int depth, CancellationToken ct)
    {
        var digest = Add(descriptor, $"manifest {descriptor.Digest}", ct);
        if (!OciJson.IsIndex(descriptor.MediaType)) return digest;
        if (depth >= MaxIndexDepth) throw new ImageException($"index {digest}: indexes nested deeper than {MaxIndexDepth}");
        var nested = OciJson.Parse<OciIndex>(blobs.Read(digest), $"index {digest}");
        var candidates = nested.Manifests ?? [];
        var chosen = candidates.FirstOrDefault(d => d.Platform is not null && IsHostPlatform(d.Platform))
            ?? (candidates.Count == 1 && candidates[0].Platform is null ? candidates[0] : null)
            ?? throw new ImageException($"index {digest}: no image for {HostPlatform} (has: " +
                string.Join(", ", candidates.Select(d => $"{d.Platform?.Os}/{d.Platform?.Architecture}")) + ")");
        return ResolveManifest(chosen, depth + 1, ct);
    }

    private string Add(Descriptor descriptor, string what, CancellationToken ct)
    {
        var digest = descriptor.Digest;
        Digest.Hex(digest, what);
        return blobs.Add(source.Blob(digest!, what), digest, descriptor.Size, what, ct);
    }

    /// <summary>
    /// The image's name. containerd writes the full name as <c>io.containerd.image.name</c>, and
    /// that wins. <c>org.opencontainers.image.ref.name</c> (annotations.md) is taken when it is a
    /// full reference (it has a '/' or a ':', e.g. <c>localhost/busybox:demo</c>). The spec also
    /// allows a bare tag there (skopeo writes "latest"); podman then has no repository to put the
    /// tag on either, so rather than invent one we refuse with a message saying what to write.
    /// No annotation: the image is loaded without a name and is found by its ID.
    /// </summary>
    internal static IReadOnlyList<string> Names(Descriptor descriptor)
    {
        var annotations = descriptor.Annotations ?? [];
        if (annotations.TryGetValue(OciJson.ContainerdNameAnnotation, out var full)) return [ImageReference.Normalize(full)];
        if (!annotations.TryGetValue(OciJson.RefNameAnnotation, out var name)) return [];
        if (!name.Contains('/') && !name.Contains(':'))
            throw new ImageException($"index.json names image {descriptor.Digest} only by the tag \"{name}\" " +
                $"({OciJson.RefNameAnnotation}); write a full reference there, such as localhost/NAME:{name}");
        return [ImageReference.Normalize(name)];
    }

    internal static string HostArchitecture => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        Architecture.X86 => "386",
        var other => other.ToString().ToLowerInvariant(),
    };

    private static string HostPlatform => "linux/" + HostArchitecture;

    private static bool IsHostPlatform(Platform platform) => platform.Os == "linux" && platform.Architecture == HostArchitecture;
}
