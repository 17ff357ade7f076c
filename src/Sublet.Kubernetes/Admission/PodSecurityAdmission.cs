using k8s.Models;
using Sublet.Runtime.Config;

namespace Sublet.Kubernetes.Admission;

/// <summary>The outcome for one pod in one mode (enforce, audit or warn).</summary>
public sealed record ModeResult(string Mode, Policy Policy, IReadOnlyList<Violation> Violations)
{
    public bool Allowed => Violations.Count == 0;

    /// <summary>"restricted:latest": a (b), c (d) — the aggregate upstream prints after "violates PodSecurity".</summary>
    public string Summary => $"\"{Policy}\": {string.Join(", ", Violations)}";
}

/// <summary>What Pod Security admission decided for a pod; <see cref="Error"/> is set when enforce refuses it.</summary>
public sealed record AdmissionResult(string Pod, string Namespace, string? ExemptBy, ModeResult? Enforce, ModeResult? Audit, ModeResult? Warn,
    IReadOnlyList<string> LabelErrors)
{
    public bool Allowed => Enforce?.Allowed ?? true;

    /// <summary>The API server's refusal: <c>pods "x" is forbidden: violates PodSecurity "restricted:latest": ...</c>.</summary>
    public string? Error => Enforce is { Allowed: false } e ? $"pods \"{Pod}\" is forbidden: violates PodSecurity {e.Summary}" : null;

    /// <summary>kubectl's warning line; none when the pod is refused anyway (admission.go skips warnings then).</summary>
    public string? Warning => Allowed && Warn is { Allowed: false } w ? $"Warning: would violate PodSecurity {w.Summary}" : null;

    /// <summary>The audit annotation pod-security.kubernetes.io/audit-violations.</summary>
    public string? AuditViolations => Audit is { Allowed: false } a ? $"would violate PodSecurity {a.Summary}" : null;
}

/// <summary>
/// Pod Security admission for pods read from a manifest (plugin/pkg/admission/security/podsecurity and
/// pod-security-admission admission/admission.go): levels from the Namespace's
/// pod-security.kubernetes.io/{enforce,audit,warn}[-version] labels, else the configured defaults;
/// exempt namespaces, users and runtime classes are not evaluated. The caller finds the Namespace
/// objects (the manifest's, then those <c>apply</c> stored).
/// </summary>
public sealed class PodSecurityAdmission(PodSecurityConfig config, IEnumerable<V1Namespace> namespaces, string? username = null)
{
    public const string LabelPrefix = "pod-security.kubernetes.io/";
    private readonly Dictionary<string, V1Namespace> _namespaces = namespaces
        .Where(n => n.Metadata?.Name is not null).GroupBy(n => n.Metadata.Name).ToDictionary(g => g.Key, g => g.Last());

    public AdmissionResult Admit(V1Pod pod)
    {
        var name = pod.Metadata?.Name ?? "";
        var ns = pod.Metadata?.NamespaceProperty ?? "default";
        var exempt = config.Exemptions.Namespaces.Contains(ns) ? "namespace"
            : username is not null && config.Exemptions.Usernames.Contains(username) ? "user"
            : pod.Spec?.RuntimeClassName is { } rc && config.Exemptions.RuntimeClasses.Contains(rc) ? "runtimeClass"
            : null;
        var labelErrors = new List<string>();
        if (exempt is not null || pod.Spec is null) return new(name, ns, exempt, null, null, null, labelErrors);
        var labels = _namespaces.TryGetValue(ns, out var n) ? n.Metadata.Labels ?? new Dictionary<string, string>() : new Dictionary<string, string>();
        var d = config.Defaults;
        ModeResult Evaluate(string mode, string level, string version)
        {
            var policy = Resolve(labels, mode, level, version, labelErrors);
            return new ModeResult(mode, policy, PodSecurityEvaluator.Evaluate(policy, pod.Metadata, pod.Spec));
        }
        return new(name, ns, null, Evaluate("enforce", d.Enforce, d.EnforceVersion), Evaluate("audit", d.Audit, d.AuditVersion),
            Evaluate("warn", d.Warn, d.WarnVersion), labelErrors);
    }

    /// <summary>
    /// The namespace label when present, else the default. An unparseable label fails closed as
    /// upstream does (restricted:latest) and is reported.
    /// </summary>
    private static Policy Resolve(IDictionary<string, string> labels, string mode, string defaultLevel, string defaultVersion, List<string> errors)
    {
        var level = Policy.ParseLevel(defaultLevel) ?? Level.Restricted;
        var version = PolicyVersion.Parse(defaultVersion) ?? PolicyVersion.Latest;
        if (labels.TryGetValue(LabelPrefix + mode, out var levelText))
        {
            if (Policy.ParseLevel(levelText) is { } parsed) level = parsed;
            else
            {
                errors.Add($"{LabelPrefix}{mode}: Invalid value: \"{levelText}\": must be one of privileged, baseline, restricted");
                return new Policy(Level.Restricted, PolicyVersion.Latest);
            }
        }
        if (labels.TryGetValue($"{LabelPrefix}{mode}-version", out var versionText))
        {
            if (PolicyVersion.Parse(versionText) is { } parsed) version = parsed;
            else
            {
                errors.Add($"{LabelPrefix}{mode}-version: Invalid value: \"{versionText}\": must be \"latest\" or \"v1.x\"");
                return new Policy(Level.Restricted, PolicyVersion.Latest);
            }
        }
        return new Policy(level, version);
    }

    /// <summary>Checks the configured defaults (levels and versions), each problem in upstream's field form.</summary>
    public static IEnumerable<string> ValidateDefaults(PodSecurityDefaults d)
    {
        foreach (var (field, level, version) in new[] { ("enforce", d.Enforce, d.EnforceVersion), ("audit", d.Audit, d.AuditVersion), ("warn", d.Warn, d.WarnVersion) })
        {
            if (Policy.ParseLevel(level) is null)
                yield return $"podSecurity.defaults.{field}: Unsupported value: \"{level}\": supported values: \"privileged\", \"baseline\", \"restricted\"";
            if (PolicyVersion.Parse(version) is null)
                yield return $"podSecurity.defaults.{field}Version: Invalid value: \"{version}\": must be \"latest\" or \"v1.x\"";
        }
    }
}
