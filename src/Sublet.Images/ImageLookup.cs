using System.Text.RegularExpressions;

namespace Sublet.Images;

/// <summary>How a user's words select a record: pure, so it is tested without a store.</summary>
internal static partial class ImageLookup
{
    [GeneratedRegex("^(sha256:)?[a-f0-9]{1,64}$")]
    private static partial Regex IdPrefix();

    /// <summary>
    /// By exact normalized reference, then <c>name@digest</c> (manifest digest or ID), then by ID
    /// or a unique ID prefix (<paramref name="byId"/> is then true). A prefix shared by several
    /// images is an error listing how many matched.
    /// </summary>
    public static ImageRecord? Find(IReadOnlyList<ImageRecord> records, string reference, out bool byId)
    {
        byId = false;
        var exact = records.FirstOrDefault(r => r.Reference == reference);
        if (exact is not null) return exact;
        if (ImageReference.TryParse(reference, out var parsed))
        {
            var normalized = parsed.ToString();
            var named = records.FirstOrDefault(r => r.Reference == normalized);
            if (named is not null) return named;
            if (parsed.Digest is not null)
            {
                var pinned = records.FirstOrDefault(r =>
                    (r.ManifestDigest == parsed.Digest || r.Id == parsed.Digest)
                    && ImageReference.TryParse(r.Reference, out var other) && other.Name == parsed.Name);
                if (pinned is not null) return pinned;
            }
        }
        if (!IdPrefix().IsMatch(reference)) return null;
        var prefix = reference.StartsWith(Digest.Prefix, StringComparison.Ordinal) ? reference : Digest.Prefix + reference;
        var ids = records.Select(r => r.Id).Where(id => id.StartsWith(prefix, StringComparison.Ordinal)).Distinct().ToList();
        if (ids.Count > 1) throw new ImageException($"image ID prefix \"{reference}\" is ambiguous: {ids.Count} images match");
        if (ids.Count == 0) return null;
        byId = true;
        return records.First(r => r.Id == ids[0]);
    }
}
