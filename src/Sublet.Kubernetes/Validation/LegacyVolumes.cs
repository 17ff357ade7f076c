using System.Text.RegularExpressions;
using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>
/// The network, cloud and CSI volume sources of pkg/apis/core/validation/validation.go. Sublet runs
/// none of them (the translator refuses them by name), but a pod the API server would reject for
/// them is rejected here first, with upstream's reasons.
/// </summary>
internal static partial class LegacyVolumes
{
    private const string PartitionError = "must be between 1 and 255, inclusive";
    private const string LunError = "must be between 0 and 255, inclusive";

    public static void GitRepo(V1GitRepoVolumeSource git, string path, FieldErrors errors)
    {
        VolumeValidator.Required(git.Repository, $"{path}.repository", errors);
        Paths.LocalDescending(git.Directory ?? "", $"{path}.directory", errors);
    }

    public static void GcePersistentDisk(V1GCEPersistentDiskVolumeSource pd, string path, FieldErrors errors)
    {
        VolumeValidator.Required(pd.PdName, $"{path}.pdName", errors);
        if (pd.Partition is { } p && p is < 0 or > 255) errors.Invalid($"{path}.partition", p, PartitionError);
    }

    public static void AwsElasticBlockStore(V1AWSElasticBlockStoreVolumeSource ebs, string path, FieldErrors errors)
    {
        VolumeValidator.Required(ebs.VolumeID, $"{path}.volumeID", errors);
        if (ebs.Partition is { } p && p is < 0 or > 255) errors.Invalid($"{path}.partition", p, PartitionError);
    }

    public static void Nfs(V1NFSVolumeSource nfs, string path, FieldErrors errors)
    {
        VolumeValidator.Required(nfs.Server, $"{path}.server", errors);
        VolumeValidator.Required(nfs.Path, $"{path}.path", errors);
        if (!(nfs.Path ?? "").StartsWith('/')) errors.Invalid($"{path}.path", nfs.Path ?? "", "must be an absolute path");
    }

    /// <summary>validateISCSIVolumeSource, plus the volume-name length rule validateVolumeSource adds for an initiator name.</summary>
    public static void Iscsi(V1ISCSIVolumeSource iscsi, string volumeName, string volumePath, FieldErrors errors)
    {
        var path = $"{volumePath}.iscsi";
        VolumeValidator.Required(iscsi.TargetPortal, $"{path}.targetPortal", errors);
        if (string.IsNullOrEmpty(iscsi.Iqn)) errors.Required($"{path}.iqn");
        else if (IqnProblem(iscsi.Iqn) is { } problem) errors.Invalid($"{path}.iqn", iscsi.Iqn, problem);
        if (iscsi.Lun is < 0 or > 255) errors.Invalid($"{path}.lun", iscsi.Lun, LunError);
        if ((iscsi.ChapAuthDiscovery == true || iscsi.ChapAuthSession == true) && iscsi.SecretRef is null) errors.Required($"{path}.secretRef");
        if (iscsi.InitiatorName is { } initiator)
        {
            if (!HasIqnPrefix(initiator)) errors.Invalid($"{path}.initiatorname", initiator, "must be valid format starting with iqn, eui, or naa");
            if (HasIqnPrefix(initiator) && IqnProblem(initiator) is not null) errors.Invalid($"{path}.initiatorname", initiator, "must be valid format");
            if ($"{volumeName}:{iscsi.TargetPortal}".Length > 64)
                errors.Invalid($"{volumePath}.name", volumeName, "Total length of <volume name>:<iscsi.targetPortal> must be under 64 characters if iscsi.initiatorName is specified.");
        }
    }

    private static bool HasIqnPrefix(string name) => name.StartsWith("iqn") || name.StartsWith("eui") || name.StartsWith("naa");

    private static string? IqnProblem(string name)
    {
        if (!HasIqnPrefix(name)) return "must be valid format starting with iqn, eui, or naa";
        var ok = name.StartsWith("iqn") ? IqnRegex().IsMatch(name) : name.StartsWith("eui") ? EuiRegex().IsMatch(name) : NaaRegex().IsMatch(name);
        return ok ? null : "must be valid format";
    }

    public static void Glusterfs(V1GlusterfsVolumeSource gluster, string path, FieldErrors errors)
    {
        VolumeValidator.Required(gluster.Endpoints, $"{path}.endpoints", errors);
        VolumeValidator.Required(gluster.Path, $"{path}.path", errors);
    }

    public static void Flocker(V1FlockerVolumeSource flocker, string path, FieldErrors errors)
    {
        var name = flocker.DatasetName ?? "";
        var uuid = flocker.DatasetUUID ?? "";
        if (name.Length == 0 && uuid.Length == 0) errors.Required(path, "one of datasetName and datasetUUID is required");
        if (name.Length != 0 && uuid.Length != 0) errors.Invalid(path, "resource", "datasetName and datasetUUID can not be specified simultaneously");
        if (name.Contains('/')) errors.Invalid($"{path}.datasetName", name, "must not contain '/'");
    }

    public static void Rbd(V1RBDVolumeSource rbd, string path, FieldErrors errors)
    {
        Required(rbd.Monitors, $"{path}.monitors", errors);
        VolumeValidator.Required(rbd.Image, $"{path}.image", errors);
    }

    public static void Cinder(V1CinderVolumeSource cinder, string path, FieldErrors errors)
    {
        VolumeValidator.Required(cinder.VolumeID, $"{path}.volumeID", errors);
        if (cinder.SecretRef is { } secret) VolumeValidator.Required(secret.Name, $"{path}.secretRef.name", errors);
    }

    public static void Quobyte(V1QuobyteVolumeSource quobyte, string path, FieldErrors errors)
    {
        const string registryError = "must be a host:port pair or multiple pairs separated by commas";
        if (string.IsNullOrEmpty(quobyte.Registry)) errors.Required($"{path}.registry", registryError);
        else if ((quobyte.Tenant ?? "").Length >= 65) errors.Required($"{path}.tenant", "must be a UUID and may not exceed a length of 64 characters");
        else
        {
            foreach (var pair in quobyte.Registry.Split(','))
            {
                // net.SplitHostPort: a port after the last colon; more colons only inside [brackets].
                var colon = pair.LastIndexOf(':');
                if (colon < 0 || (pair.IndexOf(':') != colon && !pair.StartsWith('[')))
                    errors.Invalid($"{path}.registry", quobyte.Registry, registryError);
            }
        }
        VolumeValidator.Required(quobyte.Volume, $"{path}.volume", errors);
    }

    public static void Fc(V1FCVolumeSource fc, string path, FieldErrors errors)
    {
        var wwns = fc.TargetWWNs ?? [];
        var wwids = fc.Wwids ?? [];
        if (wwns.Count < 1 && wwids.Count < 1) errors.Required($"{path}.targetWWNs", "must specify either targetWWNs or wwids, but not both");
        if (wwns.Count != 0 && wwids.Count != 0) errors.Add(new FieldError($"{path}.targetWWNs", "Invalid value", FieldError.GoStrings(wwns), "targetWWNs and wwids can not be specified simultaneously"));
        if (wwns.Count == 0) return;
        if (fc.Lun is null) errors.Required($"{path}.lun", "lun is required if targetWWNs is specified");
        else if (fc.Lun is < 0 or > 255) errors.Invalid($"{path}.lun", fc.Lun, LunError);
    }

    public static void FlexVolume(V1FlexVolumeSource flex, string path, FieldErrors errors)
    {
        VolumeValidator.Required(flex.Driver, $"{path}.driver", errors);
        foreach (var key in (flex.Options ?? new Dictionary<string, string>()).Keys)
        {
            var ns = key.Split('/', 2) is [var prefix, _] ? prefix : key;
            var normalized = "." + ns.ToLowerInvariant();
            if (normalized.EndsWith(".kubernetes.io") || normalized.EndsWith(".k8s.io"))
                errors.Invalid($"{path}.options[{key}]", key, "kubernetes.io and k8s.io namespaces are reserved");
        }
    }

    public static void AzureFile(V1AzureFileVolumeSource azure, string path, FieldErrors errors)
    {
        VolumeValidator.Required(azure.SecretName, $"{path}.secretName", errors);
        VolumeValidator.Required(azure.ShareName, $"{path}.shareName", errors);
    }

    public static void AzureDisk(V1AzureDiskVolumeSource azure, string path, FieldErrors errors)
    {
        VolumeValidator.Required(azure.DiskName, $"{path}.diskName", errors);
        VolumeValidator.Required(azure.DiskURI, $"{path}.diskURI", errors);
        if (azure.CachingMode is { } caching && caching is not ("None" or "ReadOnly" or "ReadWrite"))
            errors.NotSupported($"{path}.cachingMode", caching, "None", "ReadOnly", "ReadWrite");
        if (azure.Kind is { } kind && kind is not ("Shared" or "Dedicated" or "Managed"))
            errors.NotSupported($"{path}.kind", kind, "Dedicated", "Managed", "Shared");
        var uri = azure.DiskURI ?? "";
        if (azure.Kind == "Managed" && !uri.StartsWith("/subscriptions/"))
            errors.NotSupported($"{path}.diskURI", uri, "/subscriptions/{sub-id}/resourcegroups/{group-name}/providers/microsoft.compute/disks/{disk-id}");
        if (azure.Kind is { } k && k != "Managed" && !uri.StartsWith("https://"))
            errors.NotSupported($"{path}.diskURI", uri, "https://{account-name}.blob.core.windows.net/{container-name}/{disk-name}.vhd");
    }

    public static void StorageOS(V1StorageOSVolumeSource storage, string path, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(storage.VolumeName)) errors.Required($"{path}.volumeName");
        else errors.Each($"{path}.volumeName", storage.VolumeName, Names.Label(storage.VolumeName));
        if (storage.VolumeNamespace is { Length: > 0 } ns) errors.Each($"{path}.volumeNamespace", ns, Names.Label(ns));
        if (storage.SecretRef is { } secret) VolumeValidator.Required(secret.Name, $"{path}.secretRef.name", errors);
    }

    public static void ScaleIO(V1ScaleIOVolumeSource scale, string path, FieldErrors errors)
    {
        VolumeValidator.Required(scale.Gateway, $"{path}.gateway", errors);
        VolumeValidator.Required(scale.System, $"{path}.system", errors);
        VolumeValidator.Required(scale.VolumeName, $"{path}.volumeName", errors);
    }

    /// <summary>validateCSIVolumeSource with ValidateCSIDriverName; a bad secret name is reported at "csi.name", as upstream does.</summary>
    public static void Csi(V1CSIVolumeSource csi, string path, FieldErrors errors)
    {
        var driver = csi.Driver ?? "";
        if (driver.Length == 0) errors.Required($"{path}.driver");
        if (driver.Length > 63) errors.Add(new FieldError($"{path}.driver", "Too long", null, "may not be more than 63 bytes"));
        errors.Each($"{path}.driver", driver, Names.Subdomain(driver.ToLowerInvariant()));
        if (csi.NodePublishSecretRef is { } secret)
        {
            if (string.IsNullOrEmpty(secret.Name)) errors.Required($"{path}.nodePublishSecretRef.name");
            else errors.Each($"{path}.name", secret.Name, Names.Subdomain(secret.Name));
        }
    }

    /// <summary>
    /// validateEphemeralVolumeSource: a claim template whose PVC name (pod name, "-", volume name) is a
    /// valid object name, and the basic claim-spec rules (access modes, a positive storage request).
    /// </summary>
    public static void Ephemeral(V1EphemeralVolumeSource ephemeral, string? volumeName, string? podName, string volumePath, FieldErrors errors)
    {
        var path = $"{volumePath}.ephemeral.volumeClaimTemplate";
        if (ephemeral.VolumeClaimTemplate?.Spec is not { } spec)
        {
            errors.Required(path);
        }
        else
        {
            var specPath = $"{path}.spec";
            var modes = spec.AccessModes ?? [];
            if (modes.Count == 0) errors.Required($"{specPath}.accessModes", "at least 1 access mode is required");
            foreach (var mode in modes.Where(m => m is not ("ReadWriteOnce" or "ReadOnlyMany" or "ReadWriteMany" or "ReadWriteOncePod")))
                errors.NotSupported($"{specPath}.accessModes", mode, "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod");
            if (modes.Contains("ReadWriteOncePod") && modes.Any(m => m is "ReadWriteOnce" or "ReadOnlyMany" or "ReadWriteMany"))
                errors.Forbidden($"{specPath}.accessModes", "may not use ReadWriteOncePod with other access modes");
            if (spec.Resources?.Requests is not { } requests || !requests.TryGetValue("storage", out var storage))
                errors.Required($"{specPath}.resources[storage]");
            else if (storage.ToDecimal() <= 0)
                errors.Invalid($"{specPath}.resources[storage]", ResourceValidator.Text(storage), "must be greater than zero");
        }
        if (!string.IsNullOrEmpty(podName) && !string.IsNullOrEmpty(volumeName))
        {
            var claim = $"{podName}-{volumeName}";
            foreach (var message in Names.Subdomain(claim))
                errors.Invalid($"{volumePath}.name", volumeName, $"PVC name {FieldError.Quote(claim)}: {message}");
        }
    }

    public static void Required<T>(ICollection<T>? list, string field, FieldErrors errors)
    {
        if (list is not { Count: > 0 }) errors.Required(field);
    }

    [GeneratedRegex(@"iqn\.[0-9]{4}-[0-9]{2}\.([A-Za-z0-9\-.]+)(:[^,;*&$|\t\n\f\r ]+)\z")]
    private static partial Regex IqnRegex();

    [GeneratedRegex("^eui.[A-Za-z0-9]{16}\\z")]
    private static partial Regex EuiRegex();

    [GeneratedRegex("^naa.[A-Za-z0-9]{32}\\z")]
    private static partial Regex NaaRegex();
}
