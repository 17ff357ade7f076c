namespace Sublet.Images.Registry;

/// <summary>
/// Picks the manifest for this node out of an image index or manifest list (image-index.md
/// "platform"). Like containerd's default platform matcher: the OS must be linux and the
/// architecture the host's; a variant must be one this host runs (amd64: none or v1; arm64:
/// none or v8; arm: v7 and below), and among matches an entry without a variant, then the best
/// variant, wins.
/// </summary>
internal static class PlatformSelector
{
    public static Descriptor? Select(IReadOnlyList<Descriptor> manifests, string os, string architecture)
    {
        var variants = AcceptedVariants(architecture);
        return manifests
            .Where(d => d.Platform is { } p && p.Os == os && p.Architecture == architecture && variants.Contains(p.Variant ?? ""))
            .OrderBy(d => variants.IndexOf(d.Platform!.Variant ?? ""))
            .FirstOrDefault();
    }

    /// <summary>Variants this architecture accepts, best first ("" = none given).</summary>
    internal static List<string> AcceptedVariants(string architecture) => architecture switch
    {
        "amd64" => ["", "v1"],
        "arm64" => ["", "v8"],
        "arm" => ["v7", "", "v6", "v5"],
        _ => [""],
    };

    public static string Describe(Platform? p) =>
        p is null ? "(no platform)" : $"{p.Os}/{p.Architecture}" + (string.IsNullOrEmpty(p.Variant) ? "" : "/" + p.Variant);
}
