namespace Sublet.IdMapping;

/// <summary>One line of /etc/subuid or /etc/subgid: <c>owner:start:count</c>.</summary>
/// <param name="Owner">A user name, or a numeric UID (shadow-utils accepts both).</param>
/// <param name="Start">First subordinate ID.</param>
/// <param name="Count">How many IDs; 64-bit because shadow-utils stores it as unsigned long.</param>
public sealed record SubIdEntry(string Owner, uint Start, ulong Count);

/// <summary>
/// Parser for subordinate-ID files (subuid(5), subgid(5)). The kubelet reads them through
/// <c>getsubids</c> (kube-userns.md §3.2 steps 5–7); Sublet reads the text directly so it needs no
/// shadow-utils binary and no root.
/// </summary>
public static class SubIdFile
{
    /// <summary>
    /// Parses every entry in <paramref name="text"/>. Blank lines and lines starting with '#' are
    /// skipped. Any other line must be exactly three ':'-separated fields: a non-empty owner, a
    /// uint32 start and an unsigned count, in plain decimal.
    /// </summary>
    /// <param name="text">The file's contents.</param>
    /// <param name="fileName">Named in errors, e.g. "/etc/subuid".</param>
    /// <exception cref="IdMappingException">A malformed line; the message names file and line number.</exception>
    public static IReadOnlyList<SubIdEntry> Parse(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        var entries = new List<SubIdEntry>();
        foreach ((int number, string line) in TextLines.Numbered(text))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            string? problem = TryParseLine(line, out SubIdEntry? entry);
            if (problem is not null)
            {
                throw new IdMappingException($"{fileName} line {number}: {problem} in \"{line}\" (expected name:start:count)");
            }
            entries.Add(entry!);
        }
        return entries;
    }

    private static string? TryParseLine(string line, out SubIdEntry? entry)
    {
        entry = null;
        string[] fields = line.Split(':');
        if (fields.Length != 3)
        {
            return $"{fields.Length} fields instead of 3";
        }
        if (fields[0].Length == 0)
        {
            return "empty owner";
        }
        if (!TextLines.TryParseUInt32(fields[1], out uint start))
        {
            return $"start \"{fields[1]}\" is not a number from 0 to {uint.MaxValue}";
        }
        if (!TextLines.TryParseUInt64(fields[2], out ulong count))
        {
            return $"count \"{fields[2]}\" is not a non-negative number";
        }
        entry = new SubIdEntry(fields[0], start, count);
        return null;
    }
}
