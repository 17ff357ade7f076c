using k8s.Models;
using Sublet.Kubernetes.Admission;
using Sublet.Kubernetes.Env;
using Sublet.Kubernetes.Manifests;
using Sublet.Kubernetes.Validation;
using Sublet.Runtime.Config;

namespace Sublet.Kubernetes;

/// <summary>One finding of <c>sublet check</c>: error (the pod would be refused), warning or audit.</summary>
public sealed record Finding(string Level, string Object, string Field, string Message);

/// <summary>The verdict for one pod: its findings and, when refused, the message <c>play</c> fails with.</summary>
public sealed record PodVerdict(V1Pod Pod, IReadOnlyList<Finding> Findings, string? Refusal, AdmissionResult? Admission)
{
    public bool Refused => Refusal is not null;
}

/// <summary>
/// What the API server and the node would say about a manifest's pods, in their order: validation
/// (every error), Pod Security admission (enforce, warn, audit), the kubelet's own admission (node
/// affinity, node name, OS), then what Sublet itself cannot run yet (the translator's refusals).
/// Sublet's own warnings (writable hostPaths idmapped to host IDs) come with admission's.
/// Pure: reads the manifest and configuration, writes nothing.
/// </summary>
public static class ManifestChecker
{
    public const string Error = "error";
    public const string Warning = "warning";
    public const string Audit = "audit";

    /// <param name="sources">ConfigMaps, Secrets and node facts for env vars (default: the file's objects only).</param>
    /// <param name="node">The node the kubelet's admission checks against (default: this machine).</param>
    public static List<PodVerdict> Check(Manifest manifest, NodeConfig config, string? username = null, EnvSources? sources = null, NodeIdentity? node = null)
    {
        sources ??= EnvSources.Offline with { Objects = new ObjectLookup(manifest, null) };
        var gates = ConfigLoader.Gates(config);
        // Pod Security levels come from the pods' Namespace objects: the file's, else the store's.
        var namespaces = manifest.Pods.Select(p => p.Metadata?.NamespaceProperty ?? "default").Distinct()
            .Select(sources.Objects.Namespace).OfType<V1Namespace>();
        var admission = new PodSecurityAdmission(config.PodSecurity, namespaces, username);
        var security = SecuritySettings.From(config);
        node ??= NodeIdentity.Local();
        return manifest.Pods.Select(pod => CheckPod(pod, manifest.Source, gates, admission, security, sources, node, config.UserNamespaces.HostPathIdmap)).ToList();
    }

    private static PodVerdict CheckPod(V1Pod pod, string source, FeatureGates gates, PodSecurityAdmission admission, SecuritySettings security, EnvSources sources,
        NodeIdentity node, string hostPathIdmap)
    {
        var name = pod.Metadata?.Name ?? "";
        var obj = $"pod/{pod.Metadata?.NamespaceProperty ?? "default"}/{name}";
        var findings = new List<Finding>();
        // The API server stops at validation: admission never sees an invalid pod.
        var errors = PodValidator.Validate(pod, gates);
        if (errors.Count > 0)
        {
            findings.AddRange(errors.Select(e => new Finding(Error, obj, e.Field, e.ToString()[(e.Field.Length + 2)..])));
            return new PodVerdict(pod, findings, FieldErrors.Describe("Pod", name, errors), null);
        }
        var result = admission.Admit(pod);
        findings.AddRange(result.LabelErrors.Select(e => new Finding(Warning, $"namespace/{result.Namespace}", e.Split(": ")[0], e[(e.IndexOf(": ", StringComparison.Ordinal) + 2)..])));
        if (result.Error is { } refusal)
        {
            findings.AddRange(result.Enforce!.Violations.Select(v => new Finding(Error, obj, v.CheckId, $"violates PodSecurity \"{result.Enforce.Policy}\": {v}")));
            return new PodVerdict(pod, findings, refusal, result);
        }
        if (result.Warning is not null)
            findings.AddRange(result.Warn!.Violations.Select(v => new Finding(Warning, obj, v.CheckId, $"would violate PodSecurity \"{result.Warn.Policy}\": {v}")));
        if (result.AuditViolations is not null)
            findings.AddRange(result.Audit!.Violations.Select(v => new Finding(Audit, obj, v.CheckId, $"would violate PodSecurity \"{result.Audit.Policy}\": {v}")));
        findings.AddRange(HostPathWarnings.For(pod, hostPathIdmap).Select(w => new Finding(Warning, obj, w.Field, w.ToString())));
        // The kubelet fails a pod it cannot admit with this reason and "Pod was rejected: " + message (kubelet.rejectPod).
        if (NodeAdmission.Admit(pod, node) is { } rejected)
        {
            findings.Add(new Finding(Error, obj, rejected.Reason, rejected.Message));
            return new PodVerdict(pod, findings, $"Pod was rejected: {rejected.Message}", result);
        }
        try
        {
            PodTranslator.Translate(pod, source, security, sources);
            return new PodVerdict(pod, findings, null, result);
        }
        catch (PodRejectedException e)
        {
            foreach (var problem in e.Problems)
            {
                var split = problem.IndexOf(": ", StringComparison.Ordinal);
                findings.Add(split < 0 ? new Finding(Error, obj, "", problem) : new Finding(Error, obj, problem[..split], problem[(split + 2)..]));
            }
            return new PodVerdict(pod, findings, e.Message, result);
        }
    }
}
