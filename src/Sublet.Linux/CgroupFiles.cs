using System.Globalization;

namespace Sublet.Linux;

/// <summary>Reading cgroupfs interface files (cgroups(7), the kernel's cgroup-v1 and cgroup-v2 documents): one value, or "key value" lines.</summary>
internal static class CgroupFiles
{
    /// <summary>The file's text, or null when it is not there (a controller or cgroup that is gone, or a v1 file on v2).</summary>
    public static string? Read(string dir, string file)
    {
        try
        {
            return File.ReadAllText(Path.Combine(dir, file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A single number; null for "max" or anything else that is not one.</summary>
    public static long? Number(string? text) =>
        long.TryParse(text?.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>A flat-keyed file ("key value" per line: memory.stat, cpu.stat, memory.events, memory.oom_control).</summary>
    public static Dictionary<string, long> Flat(string? text)
    {
        var fields = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in (text ?? "").Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && Number(parts[1]) is { } n)
            {
                fields[parts[0]] = n;
            }
        }
        return fields;
    }

    /// <summary>One key of a flat-keyed file.</summary>
    public static long? Field(string? text, string key) => Flat(text).TryGetValue(key, out var n) ? n : null;
}
