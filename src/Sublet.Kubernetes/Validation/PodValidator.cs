using System.Text;
using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>
/// Pod creation validation as kube-apiserver 1.36 does it (pkg/apis/core/validation/validation.go:
/// ValidatePodCreate, ValidatePodSpec, validateHostUsers), run on the object after the API server's
/// defaults would have applied. Every error is returned, in upstream's order and form.
/// </summary>
public static class PodValidator
{
    private const int TotalAnnotationSizeLimit = 256 * 1024;

    public static FieldErrors Validate(V1Pod pod, FeatureGates? gates = null)
    {
        gates ??= FeatureGates.Default;
        var errors = new FieldErrors();
        ValidateMetadata(pod.Metadata, errors);
        AnnotationValidator.Validate(pod.Metadata?.Annotations, pod.Spec, errors);
        if (pod.Spec is not { } spec)
        {
            errors.Required("spec");
            return errors;
        }
        ValidateSpec(pod, spec, gates, errors);
        return errors;
    }

    /// <summary>ValidateObjectMeta with ValidatePodName (a DNS subdomain) and a namespaced object.</summary>
    internal static void ValidateMetadata(V1ObjectMeta? meta, FieldErrors errors)
    {
        var name = meta?.Name;
        if (string.IsNullOrEmpty(name))
        {
            if (string.IsNullOrEmpty(meta?.GenerateName)) errors.Required("metadata.name", "name or generateName is required");
        }
        else
        {
            errors.Each("metadata.name", name, Names.Subdomain(name));
        }
        // kubectl and Sublet put a pod without a namespace in "default".
        var ns = meta?.NamespaceProperty ?? "default";
        errors.Each("metadata.namespace", ns, Names.Label(ns));
        foreach (var (key, value) in meta?.Labels ?? new Dictionary<string, string>())
        {
            errors.Each("metadata.labels", key, Names.QualifiedName(key));
            errors.Each("metadata.labels", value, Names.LabelValue(value));
        }
        ValidateAnnotations(meta?.Annotations, errors);
    }

    private static void ValidateAnnotations(IDictionary<string, string>? annotations, FieldErrors errors)
    {
        var total = 0;
        foreach (var (key, value) in annotations ?? new Dictionary<string, string>())
        {
            errors.Each("metadata.annotations", key, Names.QualifiedName(key.ToLowerInvariant()));
            total += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value);
        }
        if (total > TotalAnnotationSizeLimit) errors.Add(FieldError.TooLong("metadata.annotations", TotalAnnotationSizeLimit));
    }

    /// <summary>ValidatePodSpec, then the pod-only checks of validatePodMetadataAndSpec and ValidatePodCreate, in upstream's order.</summary>
    internal static void ValidateSpec(V1Pod pod, V1PodSpec spec, FeatureGates gates, FieldErrors errors)
    {
        var labels = pod.Metadata?.Labels;
        var volumes = VolumeValidator.Validate(spec.Volumes, pod.Metadata?.Name, errors);
        ClaimValidator.PodClaims(spec.ResourceClaims, errors);
        var hostUsers = spec.HostUsers ?? true;
        new ContainerValidator(spec, volumes, ClaimValidator.Names(spec.ResourceClaims), hostUsers, errors).ValidateAll();
        PodResourceValidator.Validate(spec, errors);
        HostNetworkPorts(spec, errors);
        var restartPolicy = spec.RestartPolicy ?? "Always";
        if (restartPolicy is not ("Always" or "OnFailure" or "Never"))
            errors.NotSupported("spec.restartPolicy", restartPolicy, "Always", "OnFailure", "Never");
        var dnsPolicy = spec.DnsPolicy ?? "ClusterFirst";
        if (dnsPolicy is not ("ClusterFirstWithHostNet" or "ClusterFirst" or "Default" or "None"))
            errors.NotSupported("spec.dnsPolicy", dnsPolicy, "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None");
        SchedulingValidator.NodeSelector(spec.NodeSelector, errors);
        SecurityContextValidator.ValidatePod(spec, errors);
        AffinityValidator.Validate(spec.Affinity, labels, errors);
        SchedulingValidator.DnsConfig(spec.DnsConfig, dnsPolicy, errors);
        SchedulingValidator.ReadinessGates(spec.ReadinessGates, errors);
        SchedulingValidator.SchedulingGates(spec.SchedulingGates, errors);
        SchedulingValidator.TopologySpread(spec.TopologySpreadConstraints, labels, errors);
        ValidateHostUsers(spec, gates, errors);
        if (spec.ServiceAccountName is { Length: > 0 } sa) errors.Each("spec.serviceAccountName", sa, Names.Subdomain(sa));
        if (spec.NodeName is { Length: > 0 } node) errors.Each("spec.nodeName", node, Names.Subdomain(node));
        if (spec.ActiveDeadlineSeconds is { } deadline && deadline is < 1 or > int.MaxValue)
            errors.Invalid("spec.activeDeadlineSeconds", deadline, "must be between 1 and 2147483647, inclusive");
        // A negative terminationGracePeriodSeconds is not an error: the pod strategy sets it to 1 first.
        if (spec.Hostname is { Length: > 0 } host) errors.Each("spec.hostname", host, Names.Label(host));
        if (spec.Subdomain is { Length: > 0 } sub) errors.Each("spec.subdomain", sub, Names.Label(sub));
        SchedulingValidator.Tolerations(spec.Tolerations, errors);
        SchedulingValidator.HostAliases(spec.HostAliases, errors);
        if (spec.PriorityClassName is { Length: > 0 } pc) errors.Each("spec.priorityClassName", pc, Names.Subdomain(pc));
        if (spec.RuntimeClassName is { } runtimeClass) errors.Each("spec.runtimeClassName", runtimeClass, Names.Subdomain(runtimeClass));
        if (spec.PreemptionPolicy is { } preemption && preemption is not ("PreemptLowerPriority" or "Never"))
            errors.NotSupported("spec.preemptionPolicy", preemption, "PreemptLowerPriority", "Never");
        if (spec.Overhead is { } overhead) ResourceValidator.Validate(new V1ResourceRequirements { Limits = overhead }, "spec.overhead", new HashSet<string>(), errors);
        OsValidator.Validate(spec, errors);
        EnvValidator.FileKeyRefVolumes(spec, errors);
        // validateContainersOnlyForPod, then ValidatePodCreate's own rules.
        foreach (var (field, list) in ContainerValidator.Lists(spec).Reverse())
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].Image is { } image && image.Trim() != image) errors.Invalid($"{field}[{i}].image", image, "must not have leading or trailing whitespace");
            }
        }
        // Ephemeral containers are added through the ephemeralcontainers subresource only.
        if (spec.EphemeralContainers is { Count: > 0 }) errors.Forbidden("spec.ephemeralContainers", "cannot be set on create");
        if (!string.IsNullOrEmpty(spec.NodeName) && spec.SchedulingGates is { Count: > 0 })
            errors.Forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared");
    }

    /// <summary>validatePodHostNetworkDeps: with hostNetwork a set hostPort equals containerPort (an unset one is defaulted to it).</summary>
    private static void HostNetworkPorts(V1PodSpec spec, FieldErrors errors)
    {
        if (spec.HostNetwork != true) return;
        for (var i = 0; i < (spec.Containers?.Count ?? 0); i++)
        {
            var ports = spec.Containers![i].Ports ?? [];
            for (var p = 0; p < ports.Count; p++)
            {
                if (ports[p].HostPort is { } hp && hp != 0 && hp != ports[p].ContainerPort)
                    errors.Invalid($"spec.containers[{i}].ports[{p}].hostPort", hp, "must match `containerPort` when `hostNetwork` is true");
            }
        }
    }

    /// <summary>validateHostUsers: a pod user namespace excludes the host namespaces and raw block devices.</summary>
    private static void ValidateHostUsers(V1PodSpec spec, FeatureGates gates, FieldErrors errors)
    {
        if (spec.HostUsers ?? true) return;
        if (spec.HostNetwork == true && !gates.Enabled(FeatureGates.UserNamespacesHostNetworkSupport))
            errors.Forbidden("spec.hostNetwork", "when `hostUsers` is false");
        // Upstream names these two by their Go field names.
        if (spec.HostPID == true) errors.Forbidden("spec.HostPID", "when `hostUsers` is false");
        if (spec.HostIPC == true) errors.Forbidden("spec.HostIPC", "when `hostUsers` is false");
        foreach (var (field, list) in ContainerValidator.Lists(spec))
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].VolumeDevices is { Count: > 0 })
                    errors.Forbidden($"{field}[{i}].volumeDevices", "when `hostUsers` is false");
            }
        }
    }
}
