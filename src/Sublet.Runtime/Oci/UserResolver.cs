using System.Globalization;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Runtime.Oci;

/// <summary>
/// Combines the manifest's runAsUser/runAsGroup with the image's USER ("uid", "uid:gid",
/// "name", "name:group"; image-spec config.md) and resolves names through the image's own
/// /etc/passwd and /etc/group, as containerd's WithUser does. Supplementary groups: the image's
/// /etc/group memberships of the user (containerd WithAdditionalGIDs; left out under
/// supplementalGroupsPolicy Strict), then the pod's supplementalGroups (WithSupplementalGroups).
/// </summary>
public static class UserResolver
{
    public static ResolvedUser Resolve(string name, Sandboxes.ProcessSecurity security, string? imageUser, string? passwd, string? group)
    {
        uint? uid = security.RunAsUser is { } u ? checked((uint)u) : null;
        uint? gid = security.RunAsGroup is { } g ? checked((uint)g) : null;
        string? userName = null;

        if (uid is null && !string.IsNullOrEmpty(imageUser))
        {
            var parts = imageUser.Split(':', 2);
            // An explicit ":group" wins over the user's primary group in /etc/passwd.
            if (parts.Length == 2 && gid is null)
            {
                gid = uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var g2) ? g2
                    : Find(group, parts[1], byName: true) is { } ge ? Field(ge, 2)
                    : throw new PlanException($"container \"{name}\": image group \"{parts[1]}\" " + (group is null ? "needs /etc/group, and the image has none" : "is not in the image's /etc/group"));
            }
            if (uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var numeric))
            {
                uid = numeric;
            }
            else
            {
                userName = parts[0];
                var entry = Find(passwd, parts[0], byName: true)
                    ?? throw new PlanException($"container \"{name}\": image user \"{parts[0]}\" " + (passwd is null ? "needs /etc/passwd, and the image has none" : "is not in the image's /etc/passwd"));
                uid = Field(entry, 2);
                gid ??= Field(entry, 3);
            }
        }
        uid ??= 0;
        if (gid is null)
        {
            // A numeric user's primary group comes from /etc/passwd when listed there, else 0 (runc/containerd behaviour).
            var entry = Find(passwd, uid.Value.ToString(CultureInfo.InvariantCulture), byName: false);
            gid = entry is null ? 0 : Field(entry, 3);
            userName ??= entry?[0];
        }
        var groups = security.SupplementalGroupsPolicy == SupplementalGroupsPolicy.Strict ? [] : ImageGroups(group, userName, gid.Value);
        foreach (var extra in security.SupplementalGroups.Select(g => checked((uint)g)))
        {
            if (extra != gid.Value && !groups.Contains(extra))
            {
                groups.Add(extra);
            }
        }
        return new ResolvedUser(uid.Value, gid.Value, groups);
    }

    private static List<uint> ImageGroups(string? group, string? userName, uint primary)
    {
        var result = new List<uint>();
        if (group is null || userName is null)
        {
            return result;
        }
        foreach (var fields in Lines(group))
        {
            if (fields.Length >= 4 && fields[3].Split(',').Contains(userName)
                && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id != primary && !result.Contains(id))
            {
                result.Add(id);
            }
        }
        return result;
    }

    private static string[]? Find(string? file, string key, bool byName) =>
        file is null ? null : Lines(file).FirstOrDefault(f => f.Length >= 4 && (byName ? f[0] == key : f[2] == key));

    private static IEnumerable<string[]> Lines(string file) =>
        file.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split(':'));

    private static uint Field(string[] entry, int index) =>
        uint.Parse(entry[index], NumberStyles.None, CultureInfo.InvariantCulture);
}
