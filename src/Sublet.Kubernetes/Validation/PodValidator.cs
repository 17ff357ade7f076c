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
        if (pod.Spec is not { } spec)
        {
            errors.Required("spec");
            return errors;
        }
        ValidateSpec(spec, pod.Metadata?.Annotations, gates, errors);
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

    internal static void ValidateSpec(V1PodSpec spec, IDictionary<string, string>? annotations, FeatureGates gates, FieldErrors errors)
    {
        var volumes = VolumeValidator.Validate(spec.Volumes, errors);
        var hostUsers = spec.HostUsers ?? true;
        var containers = new ContainerValidator(spec, volumes, hostUsers, errors);
        containers.ValidateAll();
        var restartPolicy = spec.RestartPolicy ?? "Always";
        if (restartPolicy is not ("Always" or "OnFailure" or "Never"))
            errors.NotSupported("spec.restartPolicy", restartPolicy, "Always", "OnFailure", "Never");
        var dnsPolicy = spec.DnsPolicy ?? "ClusterFirst";
        if (dnsPolicy is not ("ClusterFirstWithHostNet" or "ClusterFirst" or "Default" or "None"))
            errors.NotSupported("spec.dnsPolicy", dnsPolicy, "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None");
        if (dnsPolicy == "None" && spec.DnsConfig is null)
            errors.Required("spec.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None");
        SchedulingValidator.Validate(spec, dnsPolicy, errors);
        if (spec.ServiceAccountName is { Length: > 0 } sa) errors.Each("spec.serviceAccountName", sa, Names.Subdomain(sa));
        if (spec.NodeName is { Length: > 0 } node) errors.Each("spec.nodeName", node, Names.Subdomain(node));
        if (spec.Hostname is { Length: > 0 } host) errors.Each("spec.hostname", host, Names.Label(host));
        if (spec.Subdomain is { Length: > 0 } sub) errors.Each("spec.subdomain", sub, Names.Label(sub));
        if (spec.ActiveDeadlineSeconds is { } deadline && deadline is < 1 or > int.MaxValue)
            errors.Invalid("spec.activeDeadlineSeconds", deadline, "must be between 1 and 2147483647, inclusive");
        // A negative terminationGracePeriodSeconds is not an error: the pod strategy sets it to 1 first.
        if (spec.PriorityClassName is { Length: > 0 } pc) errors.Each("spec.priorityClassName", pc, Names.Subdomain(pc));
        if (spec.Os?.Name is { } os && os is not ("linux" or "windows"))
            errors.NotSupported("spec.os.name", os, "linux", "windows");
        SecurityContextValidator.ValidatePod(spec, errors);
        ValidateHostUsers(spec, gates, errors);
        if (spec.Os?.Name == "windows" && spec.HostUsers is not null)
            errors.Forbidden("spec.hostUsers", "cannot be set for a windows pod");
    }

    /// <summary>validateHostUsers: a pod user namespace excludes the host namespaces and raw block devices.</summary>
    private static void ValidateHostUsers(V1PodSpec spec, FeatureGates gates, FieldErrors errors)
    {
        if (spec.HostUsers ?? true) return;
        if (spec.HostNetwork == true && !gates.Enabled(FeatureGates.UserNamespacesHostNetworkSupport))
            errors.Forbidden("spec.hostNetwork", "when `hostUsers` is false");
        if (spec.HostPID == true) errors.Forbidden("spec.hostPID", "when `hostUsers` is false");
        if (spec.HostIPC == true) errors.Forbidden("spec.hostIPC", "when `hostUsers` is false");
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
