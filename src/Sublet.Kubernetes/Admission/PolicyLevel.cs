using System.Globalization;
using System.Text.RegularExpressions;

namespace Sublet.Kubernetes.Admission;

/// <summary>Pod Security Standards levels (pod-security-admission api/constants.go).</summary>
public enum Level { Privileged, Baseline, Restricted }

/// <summary>A policy version: <c>latest</c> or <c>v1.N</c> (pod-security-admission api/helpers.go ParseVersion).</summary>
public readonly partial record struct PolicyVersion(int Minor, bool IsLatest)
{
    /// <summary>The newest version this build knows: Kubernetes 1.36.</summary>
    public const int LatestMinor = 36;

    public static PolicyVersion Latest => new(LatestMinor, true);

    public static PolicyVersion? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text) || text == "latest") return Latest;
        var m = VersionRegex().Match(text);
        return m.Success ? new PolicyVersion(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), false) : null;
    }

    /// <summary>The minor version checks are picked for: latest is the newest known.</summary>
    public int Effective => IsLatest ? LatestMinor : Minor;

    public override string ToString() => IsLatest ? "latest" : $"v1.{Minor}";

    [GeneratedRegex("^v1\\.(0|[1-9][0-9]*)$")]
    private static partial Regex VersionRegex();
}

/// <summary>A level at a version, written as upstream prints it: <c>restricted:latest</c>.</summary>
public readonly record struct Policy(Level Level, PolicyVersion Version)
{
    public static Level? ParseLevel(string? text) => text switch
    {
        "privileged" => Level.Privileged,
        "baseline" => Level.Baseline,
        "restricted" => Level.Restricted,
        _ => null,
    };

    public override string ToString() => $"{Level.ToString().ToLowerInvariant()}:{Version}";
}
