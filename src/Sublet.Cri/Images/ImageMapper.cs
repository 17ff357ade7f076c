using System.Globalization;
using Sublet.Cri.Api;
using Sublet.Images;

namespace Sublet.Cri.Images;

/// <summary>Image store records → CRI <see cref="Image"/> messages: one message per image ID, with every reference to it.</summary>
internal static class ImageMapper
{
    /// <summary>
    /// <paramref name="records"/> are the store's records of one image (same ID). repo_tags are
    /// the references that are tags (<c>name:tag</c>), repo_digests <c>name@&lt;manifest digest&gt;</c>
    /// once per repository, as containerd reports them and critest compares them (exact strings).
    /// </summary>
    public static Image ToImage(IReadOnlyList<ImageRecord> records)
    {
        var first = records[0];
        var image = new Image { Id = first.Id, Size = (ulong)Math.Max(0, first.Size), Spec = new ImageSpec { Image = first.Id } };
        foreach (var record in records)
        {
            if (record.Reference == record.Id)
            {
                continue; // loaded without a name: no tag, no repository
            }
            var at = record.Reference.IndexOf('@', StringComparison.Ordinal);
            var name = at >= 0 ? record.Reference[..at] : StripTag(record.Reference);
            if (at < 0 && !image.RepoTags.Contains(record.Reference))
            {
                image.RepoTags.Add(record.Reference);
            }
            var digest = $"{name}@{record.ManifestDigest}";
            if (!image.RepoDigests.Contains(digest))
            {
                image.RepoDigests.Add(digest);
            }
        }
        var (uid, username) = User(first.Config.User);
        if (uid is { } u)
        {
            image.Uid = new Int64Value { Value = u };
        }
        image.Username = username;
        return image;
    }

    /// <summary>
    /// The image config's <c>User</c> (<c>user</c>, <c>uid</c>, <c>user:group</c>, <c>uid:gid</c>):
    /// a numeric user goes to <c>uid</c>, a name to <c>username</c>, the group is dropped — the
    /// kubelet uses these for runAsNonRoot checks (containerd getUserFromImage does the same).
    /// </summary>
    public static (long? Uid, string Username) User(string? user)
    {
        if (string.IsNullOrEmpty(user))
        {
            return (null, "");
        }
        var name = user.Split(':')[0];
        return long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? (uid, "") : (null, name);
    }

    /// <summary>Records grouped by image ID, in store order.</summary>
    public static IEnumerable<IReadOnlyList<ImageRecord>> ById(IEnumerable<ImageRecord> records) =>
        records.GroupBy(r => r.Id, StringComparer.Ordinal).Select(g => (IReadOnlyList<ImageRecord>)[.. g]);

    private static string StripTag(string reference)
    {
        var colon = reference.LastIndexOf(':');
        return colon > reference.LastIndexOf('/') ? reference[..colon] : reference;
    }
}
