namespace Sublet.Images;

/// <summary>
/// Pure rules for tar entry names inside a layer (no file system access, testable without root).
/// </summary>
internal static class LayerPath
{
    /// <summary>
    /// Cleans an entry name into path components relative to the layer root, or returns null when
    /// the name would leave it. A leading "./" is normal (GNU tar writes it). ".." is resolved
    /// lexically, as Go's filepath.Clean in containerd's archive/tar.go: "a/../b" is "b", while any
    /// ".." that climbs above the root is refused. Absolute names are refused rather than
    /// re-rooted: no image tool writes them (GNU tar strips the "/"), so one is a forged archive,
    /// and refusing keeps the rule "the archive gets what it names, or nothing". NUL bytes are
    /// refused because the kernel would see a shorter name than the one we checked.
    /// An empty result means the layer root itself.
    /// </summary>
    public static IReadOnlyList<string>? Clean(string name)
    {
        if (name.StartsWith('/') || name.Contains('\0')) return null;
        var components = new List<string>();
        foreach (var part in name.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..")
            {
                if (components.Count == 0) return null;
                components.RemoveAt(components.Count - 1);
                continue;
            }
            components.Add(part);
        }
        return components;
    }

    /// <summary>The components as a path under <paramref name="root"/>.</summary>
    public static string Under(string root, IEnumerable<string> components) =>
        Path.Combine([root, .. components]);
}

/// <summary>What an entry means for overlayfs, per image-spec layer.md "Whiteouts".</summary>
internal enum WhiteoutKind
{
    /// <summary>An ordinary entry.</summary>
    None,
    /// <summary><c>.wh.NAME</c>: NAME is deleted; overlayfs wants a 0:0 character device named NAME.</summary>
    Whiteout,
    /// <summary><c>.wh..wh..opq</c>: the directory hides lower layers' children; overlayfs wants
    /// the xattr <c>trusted.overlay.opaque=y</c> on it.</summary>
    Opaque,
    /// <summary>Another <c>.wh..wh.</c> name: reserved by layer.md for the implementation; skipped.</summary>
    Reserved,
}

internal static class Whiteout
{
    public const string Prefix = ".wh.";
    public const string OpaqueMarker = ".wh..wh..opq";
    public const string OpaqueXattr = "trusted.overlay.opaque";

    /// <summary>
    /// Classifies a cleaned entry. For a whiteout, <paramref name="target"/> holds the components
    /// of the hidden path; for an opaque marker, the directory's. Returns null when the whiteout
    /// names "", "." or ".." (".wh..", ".wh..."), which would hide the directory or its parent.
    /// </summary>
    public static WhiteoutKind? Classify(IReadOnlyList<string> components, out IReadOnlyList<string> target)
    {
        target = components;
        if (components.Count == 0 || !components[^1].StartsWith(Prefix, StringComparison.Ordinal))
            return WhiteoutKind.None;
        var last = components[^1];
        var parent = components.Take(components.Count - 1).ToList();
        if (last == OpaqueMarker)
        {
            target = parent;
            return WhiteoutKind.Opaque;
        }
        if (last.StartsWith(Prefix + Prefix, StringComparison.Ordinal)) return WhiteoutKind.Reserved;
        var hidden = last[Prefix.Length..];
        if (hidden is "" or "." or "..") return null;
        target = [.. parent, hidden];
        return WhiteoutKind.Whiteout;
    }
}
