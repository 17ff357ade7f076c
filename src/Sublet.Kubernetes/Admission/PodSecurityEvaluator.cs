using k8s.Models;

namespace Sublet.Kubernetes.Admission;

/// <summary>
/// Evaluates a pod against a Pod Security Standards level and version (pod-security-admission
/// policy/registry.go): the newest revision of each check at or below the version; Restricted is
/// Baseline minus the checks a Restricted check overrides, plus the Restricted checks; results in
/// upstream's order.
/// </summary>
public static class PodSecurityEvaluator
{
    // registry.go: the Baseline checks, by ID, then the Restricted ones, by ID (a Restricted message lists
    // "host namespaces (...)" before "allowPrivilegeEscalation != false (...)").
    private static readonly List<Check> Checks = BaselineChecks.All.OrderBy(c => c.Id, StringComparer.Ordinal)
        .Concat(RestrictedChecks.All.OrderBy(c => c.Id, StringComparer.Ordinal)).ToList();

    public static IReadOnlyList<Violation> Evaluate(Policy policy, V1ObjectMeta? meta, V1PodSpec spec)
    {
        if (policy.Level == Level.Privileged) return [];
        var minor = policy.Version.Effective;
        var active = Checks.Where(c => c.Level <= policy.Level && c.At(minor) is not null).ToList();
        var overridden = active.Where(c => c.Level == policy.Level).SelectMany(c => c.Overrides ?? []).ToHashSet();
        var violations = new List<Violation>();
        foreach (var check in active.Where(c => !overridden.Contains(c.Id)))
        {
            if (check.At(minor)!.Evaluate(meta, spec) is { } result)
                violations.Add(new Violation(check.Id, result.Reason, result.Detail));
        }
        return violations;
    }
}
