using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>ValidateEnv, validateEnvVarValueFrom and ValidateEnvFrom of pkg/apis/core/validation/validation.go.</summary>
internal static class EnvValidator
{
    /// <summary>validEnvDownwardAPIFieldPathExpressions, sorted as sets.List prints them.</summary>
    private static readonly string[] EnvFieldPaths =
    [
        "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
        "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
    ];

    public static void Env(IList<V1EnvVar>? env, string field, FieldErrors errors)
    {
        for (var i = 0; i < (env?.Count ?? 0); i++)
        {
            var e = env![i];
            var path = $"{field}[{i}]";
            if (string.IsNullOrEmpty(e.Name)) errors.Required($"{path}.name");
            else errors.Each($"{path}.name", e.Name, Names.EnvVarName(e.Name));
            if (e.ValueFrom is { } from) ValueFrom(from, !string.IsNullOrEmpty(e.Value), $"{path}.valueFrom", errors);
        }
    }

    /// <summary>
    /// Each source is validated, then counted: none, one beside a literal value, or several are
    /// errors at valueFrom. fileKeyRef belongs to EnvFiles (beta and on by default since 1.35), so the
    /// "must specify one of" message lists it.
    /// </summary>
    private static void ValueFrom(V1EnvVarSource from, bool hasValue, string path, FieldErrors errors)
    {
        var sources = 0;
        if (from.FieldRef is { } fieldRef)
        {
            sources++;
            DownwardApi.FieldSelector(fieldRef, EnvFieldPaths, $"{path}.fieldRef", errors);
        }
        if (from.ResourceFieldRef is { } resourceRef)
        {
            sources++;
            DownwardApi.ResourceSelector(resourceRef, $"{path}.resourceFieldRef", volume: false, errors);
        }
        if (from.ConfigMapKeyRef is { } configMapRef)
        {
            sources++;
            KeySelector(configMapRef.Name, configMapRef.Key, $"{path}.configMapKeyRef", errors);
        }
        if (from.SecretKeyRef is { } secretRef)
        {
            sources++;
            KeySelector(secretRef.Name, secretRef.Key, $"{path}.secretKeyRef", errors);
        }
        if (from.FileKeyRef is { } fileRef)
        {
            sources++;
            FileKeySelector(fileRef, $"{path}.fileKeyRef", errors);
        }
        if (sources == 0) errors.Invalid(path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef` or `fileKeyRef`");
        else if (hasValue) errors.Invalid(path, "", "may not be specified when `value` is not empty");
        else if (sources > 1) errors.Invalid(path, "", "may not have more than one field specified at a time");
    }

    /// <summary>validateConfigMapKeySelector and validateSecretKeySelector: the name (even empty) is a DNS subdomain, the key a config key.</summary>
    private static void KeySelector(string? name, string? key, string path, FieldErrors errors)
    {
        errors.Each($"{path}.name", name ?? "", Names.Subdomain(name ?? ""));
        if (string.IsNullOrEmpty(key)) errors.Required($"{path}.key");
        else errors.Each($"{path}.key", key, Names.ConfigMapKey(key));
    }

    /// <summary>validateFileKeySelector: an env-var-like key, a volume name that is a DNS label, a path without "..".</summary>
    private static void FileKeySelector(V1FileKeySelector selector, string path, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(selector.Key)) errors.Required($"{path}.key");
        else errors.Each($"{path}.key", selector.Key, Names.EnvVarName(selector.Key));
        if (string.IsNullOrEmpty(selector.VolumeName)) errors.Required($"{path}.volumeName");
        else errors.Each($"{path}.volumeName", selector.VolumeName, Names.Label(selector.VolumeName));
        if (string.IsNullOrEmpty(selector.Path)) errors.Required($"{path}.path");
        else Paths.NoBacksteps(selector.Path, $"{path}.path", errors);
    }

    /// <summary>ValidateEnvFrom: the "one of" errors are reported at the envFrom list itself, as upstream does.</summary>
    public static void EnvFrom(IList<V1EnvFromSource>? sources, string field, FieldErrors errors)
    {
        for (var i = 0; i < (sources?.Count ?? 0); i++)
        {
            var e = sources![i];
            var path = $"{field}[{i}]";
            if (!string.IsNullOrEmpty(e.Prefix)) errors.Each($"{path}.prefix", e.Prefix, Names.EnvVarName(e.Prefix));
            var count = 0;
            if (e.ConfigMapRef is { } configMap)
            {
                count++;
                SourceName(configMap.Name, $"{path}.configMapRef.name", errors);
            }
            if (e.SecretRef is { } secret)
            {
                count++;
                SourceName(secret.Name, $"{path}.secretRef.name", errors);
            }
            if (count == 0) errors.Invalid(field, "", "must specify one of: `configMapRef` or `secretRef`");
            else if (count > 1) errors.Invalid(field, "", "may not have more than one field specified at a time");
        }
    }

    /// <summary>
    /// validateConfigMapEnvSource / validateSecretEnvSource: required, then NameIsDNSSubdomain with
    /// prefix=true, whose maskTrailingDash replaces the last two characters of a name ending in "-" with "a".
    /// </summary>
    private static void SourceName(string? name, string path, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(name))
        {
            errors.Required(path);
            return;
        }
        var masked = name.Length > 1 && name.EndsWith('-') ? name[..^2] + "a" : name;
        errors.Each(path, name, Names.Subdomain(masked));
    }

    /// <summary>validateFileKeyRefVolumes: a fileKeyRef names an existing emptyDir volume (init, app, then ephemeral containers).</summary>
    public static void FileKeyRefVolumes(V1PodSpec spec, FieldErrors errors)
    {
        var volumes = new Dictionary<string, V1Volume>();
        foreach (var v in spec.Volumes ?? []) volumes[v.Name ?? ""] = v;
        foreach (var (containerPath, env) in ContainerEnvs(spec))
        {
            for (var j = 0; j < (env?.Count ?? 0); j++)
            {
                if (env![j].ValueFrom?.FileKeyRef is not { } fileRef) continue;
                var at = $"{containerPath}.env[{j}].valueFrom.fileKeyRef.volumeName";
                var name = fileRef.VolumeName ?? "";
                if (!volumes.TryGetValue(name, out var volume)) errors.NotFound(at, name);
                else if (volume.EmptyDir is null) errors.Invalid(at, name, "referenced volume must be of type emptyDir");
            }
        }
    }

    private static IEnumerable<(string Path, IList<V1EnvVar>? Env)> ContainerEnvs(V1PodSpec spec)
    {
        for (var i = 0; i < (spec.InitContainers?.Count ?? 0); i++) yield return ($"spec.initContainers[{i}]", spec.InitContainers![i].Env);
        for (var i = 0; i < (spec.Containers?.Count ?? 0); i++) yield return ($"spec.containers[{i}]", spec.Containers![i].Env);
        for (var i = 0; i < (spec.EphemeralContainers?.Count ?? 0); i++) yield return ($"spec.ephemeralContainers[{i}]", spec.EphemeralContainers![i].Env);
    }
}
