using k8s.Models;

namespace Sublet.Kubernetes.Admission;

/// <summary>A failed check: upstream's ForbiddenReason and ForbiddenDetail (policy/checks.go CheckResult).</summary>
public sealed record Violation(string CheckId, string Reason, string Detail)
{
    public override string ToString() => Detail.Length > 0 ? $"{Reason} ({Detail})" : Reason;
}

/// <summary>One revision of a check, in force from <paramref name="MinimumMinor"/> (v1.N) on; null result = allowed.</summary>
internal sealed record VersionedCheck(int MinimumMinor, Func<V1ObjectMeta?, V1PodSpec, (string Reason, string Detail)?> Evaluate);

/// <summary>A Pod Security check (policy/checks.go Check): Restricted checks may replace Baseline ones by ID.</summary>
internal sealed record Check(string Id, Level Level, VersionedCheck[] Versions, string[]? Overrides = null)
{
    /// <summary>The newest revision at or below <paramref name="minor"/>, or none when the check did not exist yet.</summary>
    public VersionedCheck? At(int minor) => Versions.Where(v => v.MinimumMinor <= minor).MaxBy(v => v.MinimumMinor);
}
