using System.Globalization;

namespace Sublet.Runtime.Logs;

/// <summary>A log file rotated away: <c>LOG.STAMP</c> or, once compressed, <c>LOG.STAMP.gz</c>.</summary>
/// <param name="Stamp">The kubelet's timestamp format "20060102-150405", with "-N" added when one second saw several rotations.</param>
public sealed record RotatedLog(string Path, string Stamp, int Sequence, bool Compressed);

/// <summary>What one rotation check does to one container's log, in order.</summary>
public sealed record RotationPlan(IReadOnlyList<string> Delete, IReadOnlyList<string> Compress, string? RotateTo)
{
    public static readonly RotationPlan Nothing = new([], [], null);
}

/// <summary>
/// The kubelet's rotation rules (pkg/kubelet/logs/container_log_manager.go, rotateLog): nothing
/// happens below the size limit; above it the oldest rotated files go until the new one fits in
/// containerLogMaxFiles (the live log counts), every rotated file but the newest is gzipped, and
/// the live log is renamed to LOG.TIMESTAMP before the runtime reopens it.
/// </summary>
public static class RotationPlanner
{
    public const string StampFormat = "yyyyMMdd-HHmmss";
    private const string Gz = ".gz";

    public static RotationPlan Plan(string logPath, long size, IEnumerable<string> siblings, LogPolicy policy, DateTimeOffset now)
    {
        if (size < policy.MaxBytes)
        {
            return RotationPlan.Nothing;
        }
        var rotated = Rotated(logPath, siblings);
        // The live log and the one about to be rotated take two of the files allowed.
        var excess = Math.Max(0, rotated.Count - (policy.MaxFiles - 2));
        var delete = rotated.Take(excess).Select(r => r.Path).ToList();
        var compress = rotated.Skip(excess).Where(r => !r.Compressed).Select(r => r.Path).ToList();
        return new RotationPlan(delete, compress, NextName(logPath, rotated, now));
    }

    /// <summary>The rotated files of <paramref name="logPath"/> among <paramref name="siblings"/>, oldest first; anything else is ignored.</summary>
    public static List<RotatedLog> Rotated(string logPath, IEnumerable<string> siblings)
    {
        var prefix = Path.GetFileName(logPath) + ".";
        var found = new List<RotatedLog>();
        foreach (var path in siblings)
        {
            var name = Path.GetFileName(path);
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            var rest = name[prefix.Length..];
            var compressed = rest.EndsWith(Gz, StringComparison.Ordinal);
            if (compressed)
            {
                rest = rest[..^Gz.Length];
            }
            if (Parse(rest) is { } parsed)
            {
                found.Add(new RotatedLog(path, parsed.Stamp, parsed.Sequence, compressed));
            }
        }
        return found.OrderBy(r => r.Stamp, StringComparer.Ordinal).ThenBy(r => r.Sequence).ToList();
    }

    private static (string Stamp, int Sequence)? Parse(string text)
    {
        var stamp = text.Length >= StampFormat.Length ? text[..StampFormat.Length] : text;
        if (!DateTime.TryParseExact(stamp, StampFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return null;
        }
        var tail = text[stamp.Length..];
        if (tail.Length == 0)
        {
            return (stamp, 0);
        }
        return tail[0] == '-' && int.TryParse(tail[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? (stamp, n) : null;
    }

    /// <summary>LOG.STAMP, or LOG.STAMP-N when that second already has rotated files (the kubelet would overwrite them).</summary>
    private static string NextName(string logPath, List<RotatedLog> rotated, DateTimeOffset now)
    {
        var stamp = now.UtcDateTime.ToString(StampFormat, CultureInfo.InvariantCulture);
        var same = rotated.Where(r => r.Stamp == stamp).ToList();
        var name = same.Count == 0 ? stamp : $"{stamp}-{same.Max(r => r.Sequence) + 1}";
        return $"{logPath}.{name}";
    }
}
