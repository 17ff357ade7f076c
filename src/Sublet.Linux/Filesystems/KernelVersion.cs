using System.Globalization;

namespace Sublet.Linux.Filesystems;

/// <summary>A Linux release as uname(2) reports it (<c>6.18.44-fc-v657</c>): only the numbers before the first non-digit part count.</summary>
public readonly record struct KernelVersion(int Major, int Minor, int Patch = 0) : IComparable<KernelVersion>
{
    /// <summary>Where the running kernel's release is read (proc(5): same string as uname -r).</summary>
    public const string OsReleasePath = "/proc/sys/kernel/osrelease";

    public static KernelVersion Current(string osReleasePath = OsReleasePath) => Parse(File.ReadAllText(osReleasePath).Trim());

    /// <summary>Parses <c>MAJOR.MINOR[.PATCH][suffix]</c>; the suffix (<c>-generic</c>, <c>+</c>, <c>-rc1</c>) is ignored.</summary>
    /// <exception cref="FormatException">No MAJOR.MINOR at the start.</exception>
    public static KernelVersion Parse(string release)
    {
        var numbers = new List<int>(3);
        var i = 0;
        while (numbers.Count < 3)
        {
            var start = i;
            while (i < release.Length && char.IsAsciiDigit(release[i]))
            {
                i++;
            }
            if (i == start || i - start > 9)
            {
                break;
            }
            numbers.Add(int.Parse(release.AsSpan(start, i - start), CultureInfo.InvariantCulture));
            if (i >= release.Length || release[i] != '.')
            {
                break;
            }
            i++;
        }
        return numbers.Count >= 2
            ? new KernelVersion(numbers[0], numbers[1], numbers.Count > 2 ? numbers[2] : 0)
            : throw new FormatException($"not a Linux release: \"{release}\"");
    }

    public int CompareTo(KernelVersion other) =>
        Major != other.Major ? Major.CompareTo(other.Major)
        : Minor != other.Minor ? Minor.CompareTo(other.Minor)
        : Patch.CompareTo(other.Patch);

    public static bool operator <(KernelVersion a, KernelVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(KernelVersion a, KernelVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(KernelVersion a, KernelVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(KernelVersion a, KernelVersion b) => a.CompareTo(b) >= 0;

    /// <summary><c>6.3</c> for releases with patch 0, else <c>6.18.44</c>.</summary>
    public override string ToString() => Patch == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}")
        : string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}.{Patch}");
}
