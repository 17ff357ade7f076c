using System.Text;

namespace Sublet.Linux.Mounts;

/// <summary>Parses /proc/PID/mountinfo (proc(5)): field 5 is the mount point, octal-escaped.</summary>
public static class MountInfo
{
    public static IReadOnlyList<string> MountPoints(string mountInfoText)
    {
        var result = new List<string>();
        foreach (var line in mountInfoText.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (fields.Length > 4)
            {
                result.Add(Unescape(fields[4]));
            }
        }
        return result;
    }

    /// <summary>Mount points equal to or below <paramref name="prefix"/>, deepest (and latest) first, so unmounting in order works.</summary>
    public static IReadOnlyList<string> MountPointsUnder(string mountInfoText, string prefix)
    {
        var root = prefix.TrimEnd('/');
        var points = MountPoints(mountInfoText);
        var under = new List<(string Path, int Order)>();
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            if (p == root || p.StartsWith(root + "/", StringComparison.Ordinal))
            {
                under.Add((p, i));
            }
        }
        return under.OrderByDescending(x => x.Path.Count(c => c == '/')).ThenByDescending(x => x.Order)
            .Select(x => x.Path).ToList();
    }

    // The kernel escapes space, tab, newline and backslash as \ooo (fs/proc_namespace.c mangle()).
    internal static string Unescape(string field)
    {
        if (!field.Contains('\\'))
        {
            return field;
        }
        var sb = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }
        return sb.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s[at] is >= '0' and <= '7' && s[at + 1] is >= '0' and <= '7' && s[at + 2] is >= '0' and <= '7';
}
