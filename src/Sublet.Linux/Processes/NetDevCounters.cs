using System.Globalization;

namespace Sublet.Linux.Processes;

/// <summary>One interface's counters from /proc/net/dev (proc(5)): receive and transmit bytes, packets, errors, drops.</summary>
public sealed record LinkCounters(string Name, ulong RxBytes, ulong RxPackets, ulong RxErrors, ulong RxDropped,
    ulong TxBytes, ulong TxPackets, ulong TxErrors, ulong TxDropped)
{
    /// <summary>
    /// The interfaces of <paramref name="pid"/>'s network namespace: /proc/PID/net/dev shows the
    /// namespace of that process, so no setns is needed. Empty when the process is gone.
    /// </summary>
    public static IReadOnlyList<LinkCounters> Of(int pid, string proc = "/proc")
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(proc, pid.ToString(CultureInfo.InvariantCulture), "net", "dev"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
        return Parse(text);
    }

    /// <summary>Two header lines, then "NAME: rx bytes packets errs drop fifo frame compressed multicast tx bytes packets errs drop …".</summary>
    public static IReadOnlyList<LinkCounters> Parse(string text)
    {
        var links = new List<LinkCounters>();
        foreach (var line in text.Split('\n').Skip(2))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }
            var f = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(v => ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0).ToArray();
            if (f.Length >= 12)
            {
                links.Add(new LinkCounters(line[..colon].Trim(), f[0], f[1], f[2], f[3], f[8], f[9], f[10], f[11]));
            }
        }
        return links;
    }
}
