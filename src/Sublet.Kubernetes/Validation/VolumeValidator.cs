using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>ValidateVolumes and validateVolumeSource of pkg/apis/core/validation/validation.go.</summary>
internal static class VolumeValidator
{
    /// <summary>
    /// Checks every volume and returns the valid ones by name. As upstream, a volume with any error is
    /// left out of the map, so a mount naming it is also "Not found".
    /// </summary>
    public static Dictionary<string, V1Volume> Validate(IList<V1Volume>? volumes, string? podName, FieldErrors errors)
    {
        var valid = new Dictionary<string, V1Volume>();
        // The PVCs the pod's ephemeral volumes create: a persistentVolumeClaim volume must not name one.
        var createdClaims = string.IsNullOrEmpty(podName) ? [] :
            (volumes ?? []).Where(v => v.Ephemeral is not null).Select(v => $"{podName}-{v.Name}").ToHashSet();
        for (var i = 0; i < (volumes?.Count ?? 0); i++)
        {
            var volume = volumes![i];
            var path = $"spec.volumes[{i}]";
            var own = new FieldErrors();
            ValidateSource(volume, path, podName, own);
            if (string.IsNullOrEmpty(volume.Name)) own.Required($"{path}.name");
            else own.Each($"{path}.name", volume.Name, Names.Label(volume.Name));
            if (volume.Name is { } name && valid.ContainsKey(name)) own.Duplicate($"{path}.name", name);
            if (own.Count == 0) valid[volume.Name ?? ""] = volume;
            else errors.AddRange(own);
            if (volume.PersistentVolumeClaim?.ClaimName is { } claim && createdClaims.Contains(claim))
                errors.Invalid($"{path}.persistentVolumeClaim.claimName", claim, "must not reference a PVC that gets created for an ephemeral volume");
        }
        return valid;
    }

    /// <summary>
    /// Exactly one volume type, in upstream's order. A second type is Forbidden at its own field; two
    /// of upstream's field names differ from the JSON ones ("downwarAPI", "cephFS") and are kept, and
    /// gcePersistentDisk is checked under "persistentDisk", as upstream does.
    /// </summary>
    private static void ValidateSource(V1Volume v, string path, string? podName, FieldErrors errors)
    {
        (string Forbidden, object? Source, Action Check)[] sources =
        [
            ("emptyDir", v.EmptyDir, () => EmptyDir(v.EmptyDir!, $"{path}.emptyDir", errors)),
            ("hostPath", v.HostPath, () => HostPath(v.HostPath!, $"{path}.hostPath", errors)),
            ("gitRepo", v.GitRepo, () => LegacyVolumes.GitRepo(v.GitRepo!, $"{path}.gitRepo", errors)),
            ("gcePersistentDisk", v.GcePersistentDisk, () => LegacyVolumes.GcePersistentDisk(v.GcePersistentDisk!, $"{path}.persistentDisk", errors)),
            ("awsElasticBlockStore", v.AwsElasticBlockStore, () => LegacyVolumes.AwsElasticBlockStore(v.AwsElasticBlockStore!, $"{path}.awsElasticBlockStore", errors)),
            ("secret", v.Secret, () => ProjectionValidator.Secret(v.Secret!, $"{path}.secret", errors)),
            ("nfs", v.Nfs, () => LegacyVolumes.Nfs(v.Nfs!, $"{path}.nfs", errors)),
            ("iscsi", v.Iscsi, () => LegacyVolumes.Iscsi(v.Iscsi!, v.Name ?? "", path, errors)),
            ("glusterfs", v.Glusterfs, () => LegacyVolumes.Glusterfs(v.Glusterfs!, $"{path}.glusterfs", errors)),
            ("flocker", v.Flocker, () => LegacyVolumes.Flocker(v.Flocker!, $"{path}.flocker", errors)),
            ("persistentVolumeClaim", v.PersistentVolumeClaim, () => Required(v.PersistentVolumeClaim!.ClaimName, $"{path}.persistentVolumeClaim.claimName", errors)),
            ("rbd", v.Rbd, () => LegacyVolumes.Rbd(v.Rbd!, $"{path}.rbd", errors)),
            ("cinder", v.Cinder, () => LegacyVolumes.Cinder(v.Cinder!, $"{path}.cinder", errors)),
            ("cephFS", v.Cephfs, () => LegacyVolumes.Required(v.Cephfs!.Monitors, $"{path}.cephfs.monitors", errors)),
            ("quobyte", v.Quobyte, () => LegacyVolumes.Quobyte(v.Quobyte!, $"{path}.quobyte", errors)),
            ("downwarAPI", v.DownwardAPI, () => ProjectionValidator.DownwardApi(v.DownwardAPI!, $"{path}.downwardAPI", errors)),
            ("fc", v.Fc, () => LegacyVolumes.Fc(v.Fc!, $"{path}.fc", errors)),
            ("flexVolume", v.FlexVolume, () => LegacyVolumes.FlexVolume(v.FlexVolume!, $"{path}.flexVolume", errors)),
            ("configMap", v.ConfigMap, () => ProjectionValidator.ConfigMap(v.ConfigMap!, $"{path}.configMap", errors)),
            ("azureFile", v.AzureFile, () => LegacyVolumes.AzureFile(v.AzureFile!, $"{path}.azureFile", errors)),
            ("vsphereVolume", v.VsphereVolume, () => Required(v.VsphereVolume!.VolumePath, $"{path}.vsphereVolume.volumePath", errors)),
            ("photonPersistentDisk", v.PhotonPersistentDisk, () => Required(v.PhotonPersistentDisk!.PdID, $"{path}.photonPersistentDisk.pdID", errors)),
            ("portworxVolume", v.PortworxVolume, () => Required(v.PortworxVolume!.VolumeID, $"{path}.portworxVolume.volumeID", errors)),
            ("azureDisk", v.AzureDisk, () => LegacyVolumes.AzureDisk(v.AzureDisk!, $"{path}.azureDisk", errors)),
            ("storageos", v.Storageos, () => LegacyVolumes.StorageOS(v.Storageos!, $"{path}.storageos", errors)),
            ("projected", v.Projected, () => ProjectionValidator.Projected(v.Projected!, $"{path}.projected", errors)),
            ("scaleIO", v.ScaleIO, () => LegacyVolumes.ScaleIO(v.ScaleIO!, $"{path}.scaleIO", errors)),
            ("csi", v.Csi, () => LegacyVolumes.Csi(v.Csi!, $"{path}.csi", errors)),
            ("ephemeral", v.Ephemeral, () => LegacyVolumes.Ephemeral(v.Ephemeral!, v.Name, podName, path, errors)),
            ("image", v.Image, () => Image(v.Image!, $"{path}.image", errors)),
        ];
        var count = 0;
        foreach (var (forbidden, source, check) in sources)
        {
            if (source is null) continue;
            if (count++ > 0) errors.Forbidden($"{path}.{forbidden}", "may not specify more than 1 volume type");
            else check();
        }
        if (count == 0) errors.Required(path, "must specify a volume type");
    }

    /// <summary>emptyDir: only a negative sizeLimit is refused; the medium is not validated by the API server.</summary>
    private static void EmptyDir(V1EmptyDirVolumeSource emptyDir, string path, FieldErrors errors)
    {
        if (emptyDir.SizeLimit is { } limit && limit.ToDecimal() < 0)
            errors.Forbidden($"{path}.sizeLimit", "SizeLimit field must be a valid resource quantity");
    }

    /// <summary>validateHostPathVolumeSource: a path without "..", and a known type (sets.List order).</summary>
    private static void HostPath(V1HostPathVolumeSource hostPath, string path, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(hostPath.Path))
        {
            errors.Required($"{path}.path");
            return;
        }
        Paths.NoBacksteps(hostPath.Path, $"{path}.path", errors);
        if (hostPath.Type is { } t && t is not ("" or "DirectoryOrCreate" or "Directory" or "FileOrCreate" or "File" or "Socket" or "CharDevice" or "BlockDevice"))
            errors.NotSupported($"{path}.type", t, "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket");
    }

    /// <summary>validateImageVolumeSource: a reference, and a pull policy (defaulted when unset).</summary>
    private static void Image(V1ImageVolumeSource image, string path, FieldErrors errors)
    {
        Required(image.Reference, $"{path}.reference", errors);
        if (image.PullPolicy is { Length: > 0 } pull && pull is not ("Always" or "IfNotPresent" or "Never"))
            errors.NotSupported($"{path}.pullPolicy", pull, "Always", "IfNotPresent", "Never");
    }

    public static void Required(string? value, string field, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(value)) errors.Required(field);
    }
}
