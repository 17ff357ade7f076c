using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>
/// The file-projecting volume sources of pkg/apis/core/validation/validation.go: secret, configMap,
/// downwardAPI and projected (validateSecretVolumeSource, validateConfigMapVolumeSource,
/// validateKeyToPath, validateDownwardAPIVolumeFile, validateProjectionSources).
/// </summary>
internal static class ProjectionValidator
{
    /// <summary>The downward API fields a volume file may show (validVolumeDownwardAPIFieldPathExpressions).</summary>
    private static readonly string[] VolumeFieldPaths = ["metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"];

    /// <summary>A token shorter-lived than this is refused (validateProjectionSources).</summary>
    private const long MinTokenSeconds = 10 * 60;

    public static void Secret(V1SecretVolumeSource secret, string path, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(secret.SecretName)) errors.Required($"{path}.secretName");
        Paths.FileMode(secret.DefaultMode, $"{path}.defaultMode", errors);
        Items(secret.Items, $"{path}.items", errors);
    }

    /// <summary>The configMap name is only required: the API server does not check its form here.</summary>
    public static void ConfigMap(V1ConfigMapVolumeSource configMap, string path, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(configMap.Name)) errors.Required($"{path}.name");
        Paths.FileMode(configMap.DefaultMode, $"{path}.defaultMode", errors);
        Items(configMap.Items, $"{path}.items", errors);
    }

    /// <summary>
    /// validateDownwardAPIVolumeSource. Upstream hands each item the volume's own path, not
    /// items[i], so item errors read "downwardAPI.path" and "downwardAPI.fieldRef"; kept as upstream.
    /// </summary>
    public static void DownwardApi(V1DownwardAPIVolumeSource downward, string path, FieldErrors errors)
    {
        Paths.FileMode(downward.DefaultMode, $"{path}.defaultMode", errors);
        foreach (var file in downward.Items ?? []) DownwardFile(file, path, errors);
    }

    public static void Projected(V1ProjectedVolumeSource projected, string path, FieldErrors errors)
    {
        Paths.FileMode(projected.DefaultMode, $"{path}.defaultMode", errors);
        var paths = new HashSet<string>();
        for (var i = 0; i < (projected.Sources?.Count ?? 0); i++)
        {
            var source = projected.Sources![i];
            var at = $"{path}.sources[{i}]";
            var count = 0;
            if (source.Secret is { } secret)
            {
                count++;
                if (string.IsNullOrEmpty(secret.Name)) errors.Required($"{at}.secret.name");
                ProjectedItems(secret.Items, $"{at}.secret.items", secret.Name ?? "", path, paths, errors);
            }
            if (source.ConfigMap is { } configMap)
            {
                count++;
                if (string.IsNullOrEmpty(configMap.Name)) errors.Required($"{at}.configMap.name");
                ProjectedItems(configMap.Items, $"{at}.configMap.items", configMap.Name ?? "", path, paths, errors);
            }
            if (source.DownwardAPI is { } downward)
            {
                count++;
                foreach (var file in downward.Items ?? [])
                {
                    DownwardFile(file, $"{at}.downwardAPI", errors);
                    if (!string.IsNullOrEmpty(file.Path) && !paths.Add(file.Path)) errors.Invalid(path, file.Path, "conflicting duplicate paths");
                }
            }
            if (source.ServiceAccountToken is { } token)
            {
                count++;
                ServiceAccountToken(token, at, path, errors);
            }
            // clusterTrustBundle and podCertificate belong to gates that are off by default; the API
            // server drops them unvalidated then, but they still count as a source here.
            if (source.ClusterTrustBundle is not null) count++;
            if (source.PodCertificate is not null) count++;
            if (count > 1) errors.Forbidden(at, "may not specify more than 1 volume type per source");
        }
    }

    /// <summary>
    /// A serviceAccountToken source: expirationSeconds (defaulted to 3600) between 10 minutes and
    /// 2^32 seconds; its path is checked at the projected volume's "path", as upstream does.
    /// </summary>
    private static void ServiceAccountToken(V1ServiceAccountTokenProjection token, string at, string path, FieldErrors errors)
    {
        var seconds = token.ExpirationSeconds ?? 3600;
        if (seconds < MinTokenSeconds) errors.Invalid($"{at}.serviceAccountToken.expirationSeconds", seconds, "may not specify a duration less than 10 minutes");
        if (seconds > 1L << 32) errors.Invalid($"{at}.serviceAccountToken.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds");
        if (string.IsNullOrEmpty(token.Path)) errors.Required($"{path}.path");
        else Paths.LocalNonReserved(token.Path, $"{path}.path", errors);
    }

    private static void Items(IList<V1KeyToPath>? items, string path, FieldErrors errors)
    {
        for (var i = 0; i < (items?.Count ?? 0); i++) KeyToPath(items![i], $"{path}[{i}]", errors);
    }

    /// <summary>Projected secret and configMap items; a path seen before is a conflict reported at the volume with the source's name.</summary>
    private static void ProjectedItems(IList<V1KeyToPath>? items, string path, string sourceName, string volumePath, HashSet<string> paths, FieldErrors errors)
    {
        for (var i = 0; i < (items?.Count ?? 0); i++)
        {
            KeyToPath(items![i], $"{path}[{i}]", errors);
            if (!string.IsNullOrEmpty(items[i].Path) && !paths.Add(items[i].Path)) errors.Invalid(volumePath, sourceName, "conflicting duplicate paths");
        }
    }

    /// <summary>validateKeyToPath: the key is only required (its form is checked against the object, not here).</summary>
    private static void KeyToPath(V1KeyToPath item, string path, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(item.Key)) errors.Required($"{path}.key");
        if (string.IsNullOrEmpty(item.Path)) errors.Required($"{path}.path");
        Paths.LocalNonReserved(item.Path ?? "", $"{path}.path", errors);
        Paths.FileMode(item.Mode, $"{path}.mode", errors);
    }

    /// <summary>validateDownwardAPIVolumeFile: a local path and exactly one of fieldRef and resourceFieldRef.</summary>
    private static void DownwardFile(V1DownwardAPIVolumeFile file, string path, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(file.Path)) errors.Required($"{path}.path");
        Paths.LocalNonReserved(file.Path ?? "", $"{path}.path", errors);
        if (file.FieldRef is { } fieldRef)
        {
            Validation.DownwardApi.FieldSelector(fieldRef, VolumeFieldPaths, $"{path}.fieldRef", errors);
            if (file.ResourceFieldRef is not null) errors.Invalid(path, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously");
        }
        else if (file.ResourceFieldRef is { } resourceRef)
        {
            Validation.DownwardApi.ResourceSelector(resourceRef, $"{path}.resourceFieldRef", volume: true, errors);
        }
        else
        {
            errors.Required(path, "one of fieldRef and resourceFieldRef is required");
        }
        Paths.FileMode(file.Mode, $"{path}.mode", errors);
    }
}
