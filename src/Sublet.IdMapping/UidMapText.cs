namespace Sublet.IdMapping;

/// <summary>
/// One extent of a user namespace ID map, as in /proc/PID/uid_map and gid_map (user_namespaces(7))
/// and the CRI <c>IDMapping</c> message: container IDs [ContainerId, ContainerId + Length) are host
/// IDs [HostId, HostId + Length).
/// </summary>
public sealed record UserNamespaceMapping(uint ContainerId, uint HostId, uint Length)
{
    /// <summary>The host side as a range.</summary>
    public IdRange HostRange => new(HostId, Length);

    /// <summary>The uid_map line: "0 131072 65536".</summary>
    public override string ToString() => $"{ContainerId} {HostId} {Length}";
}

/// <summary>Reads and writes the text of /proc/PID/uid_map and gid_map.</summary>
public static class UidMapText
{
    /// <summary>
    /// Parses uid_map text: one extent per line, three whitespace-separated decimal fields
    /// (the kernel pads them to width 10). Blank lines are skipped; an empty map gives an empty list.
    /// </summary>
    /// <exception cref="IdMappingException">A malformed line, or a zero length.</exception>
    public static IReadOnlyList<UserNamespaceMapping> Parse(string procUidMapText)
    {
        var mappings = new List<UserNamespaceMapping>();
        foreach ((int number, string line) in TextLines.Numbered(procUidMapText))
        {
            if (line.Length == 0)
            {
                continue;
            }
            string[] f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 3
                || !TextLines.TryParseUInt32(f[0], out uint container)
                || !TextLines.TryParseUInt32(f[1], out uint host)
                || !TextLines.TryParseUInt32(f[2], out uint length)
                || length == 0)
            {
                throw new IdMappingException(
                    $"uid_map line {number}: \"{line}\" is not \"container-id host-id length\" with a length of at least 1");
            }
            mappings.Add(new UserNamespaceMapping(container, host, length));
        }
        return mappings;
    }

    /// <summary>
    /// The text to write to uid_map or gid_map: one line per extent, newline-terminated. The kernel
    /// accepts only a single write() per map, so write this whole string at once.
    /// </summary>
    public static string Format(IEnumerable<UserNamespaceMapping> mappings)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        return string.Concat(mappings.Select(m => m + "\n"));
    }
}
