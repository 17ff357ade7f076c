using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>validateVolumes and validateVolumeSource of pkg/apis/core/validation/validation.go.</summary>
internal static class VolumeValidator
{
    /// <summary>Returns the volumes by name (for volumeMounts and volumeDevices) after checking names, uniqueness and sources.</summary>
    public static Dictionary<string, V1Volume> Validate(IList<V1Volume>? volumes, FieldErrors errors)
    {
        var names = new Dictionary<string, V1Volume>();
        for (var i = 0; i < (volumes?.Count ?? 0); i++)
        {
            var volume = volumes![i];
            var path = $"spec.volumes[{i}]";
            if (string.IsNullOrEmpty(volume.Name))
            {
                errors.Required($"{path}.name");
            }
            else
            {
                errors.Each($"{path}.name", volume.Name, Names.Label(volume.Name));
                if (!names.TryAdd(volume.Name, volume)) errors.Duplicate($"{path}.name", volume.Name);
            }
            ValidateSource(volume, path, errors);
        }
        return names;
    }

    /// <summary>Exactly one volume type; the second and later are Forbidden at their own field, in upstream's order.</summary>
    private static void ValidateSource(V1Volume v, string path, FieldErrors errors)
    {
        (string Field, object? Source)[] sources =
        [
            ("hostPath", v.HostPath), ("emptyDir", v.EmptyDir), ("gitRepo", v.GitRepo), ("gcePersistentDisk", v.GcePersistentDisk),
            ("awsElasticBlockStore", v.AwsElasticBlockStore), ("secret", v.Secret), ("nfs", v.Nfs), ("iscsi", v.Iscsi),
            ("glusterfs", v.Glusterfs), ("flocker", v.Flocker), ("persistentVolumeClaim", v.PersistentVolumeClaim), ("rbd", v.Rbd),
            ("cinder", v.Cinder), ("cephfs", v.Cephfs), ("downwardAPI", v.DownwardAPI), ("fc", v.Fc), ("azureFile", v.AzureFile),
            ("vsphereVolume", v.VsphereVolume), ("quobyte", v.Quobyte), ("azureDisk", v.AzureDisk), ("projected", v.Projected),
            ("portworxVolume", v.PortworxVolume), ("scaleIO", v.ScaleIO), ("configMap", v.ConfigMap), ("storageos", v.Storageos),
            ("csi", v.Csi), ("ephemeral", v.Ephemeral), ("image", v.Image),
        ];
        errors.ExactlyOne(path, "volume type", sources, (at, _) => ValidateOne(v, at, errors));
    }

    private static void ValidateOne(V1Volume v, string path, FieldErrors errors)
    {
        if (v.HostPath is { } hp)
        {
            if (string.IsNullOrEmpty(hp.Path)) errors.Required($"{path}.path");
            else if (hp.Path.Split('/').Contains("..")) errors.Invalid($"{path}.path", hp.Path, "must not contain '..'");
            if (hp.Type is { } t && t is not ("" or "DirectoryOrCreate" or "Directory" or "FileOrCreate" or "File" or "Socket" or "CharDevice" or "BlockDevice"))
                errors.NotSupported($"{path}.type", t, "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket");
        }
        if (v.EmptyDir is { } ed && ed.Medium is { } medium && medium is not ("" or "Memory" or "HugePages"))
            errors.NotSupported($"{path}.medium", medium, "", "Memory", "HugePages");
        if (v.Secret is { } s)
        {
            if (string.IsNullOrEmpty(s.SecretName)) errors.Required($"{path}.secretName");
            Mode(s.DefaultMode, $"{path}.defaultMode", errors);
            Items(s.Items, path, errors);
        }
        if (v.ConfigMap is { } cm)
        {
            if (string.IsNullOrEmpty(cm.Name)) errors.Required($"{path}.name");
            else errors.Each($"{path}.name", cm.Name, Names.Subdomain(cm.Name));
            Mode(cm.DefaultMode, $"{path}.defaultMode", errors);
            Items(cm.Items, path, errors);
        }
        if (v.PersistentVolumeClaim is { } pvc && string.IsNullOrEmpty(pvc.ClaimName)) errors.Required($"{path}.claimName");
        if (v.Nfs is { } nfs)
        {
            if (string.IsNullOrEmpty(nfs.Server)) errors.Required($"{path}.server");
            if (string.IsNullOrEmpty(nfs.Path)) errors.Required($"{path}.path");
            else if (!nfs.Path.StartsWith('/')) errors.Invalid($"{path}.path", nfs.Path, "must be an absolute path");
        }
        if (v.Csi is { } csi && string.IsNullOrEmpty(csi.Driver)) errors.Required($"{path}.driver");
        if (v.Image is { } image && string.IsNullOrEmpty(image.Reference)) errors.Required($"{path}.reference");
        if (v.DownwardAPI is { } dapi) Mode(dapi.DefaultMode, $"{path}.defaultMode", errors);
        if (v.Projected is { } projected) Mode(projected.DefaultMode, $"{path}.defaultMode", errors);
    }

    private static void Items(IList<V1KeyToPath>? items, string path, FieldErrors errors)
    {
        for (var i = 0; i < (items?.Count ?? 0); i++)
        {
            var item = items![i];
            var itemPath = $"{path}.items[{i}]";
            if (string.IsNullOrEmpty(item.Key)) errors.Required($"{itemPath}.key");
            else errors.Each($"{itemPath}.key", item.Key, Names.ConfigMapKey(item.Key));
            if (string.IsNullOrEmpty(item.Path)) errors.Required($"{itemPath}.path");
            else LocalDescendingPath(item.Path, $"{itemPath}.path", errors);
            Mode(item.Mode, $"{itemPath}.mode", errors);
        }
    }

    /// <summary>validateLocalDescendingPath: relative, no ".." element.</summary>
    public static void LocalDescendingPath(string target, string field, FieldErrors errors)
    {
        if (target.StartsWith('/')) errors.Invalid(field, target, "must be a relative path");
        if (target.Split('/').Contains("..")) errors.Invalid(field, target, "must not contain '..'");
    }

    /// <summary>File modes: 0..0777 (printed in decimal, as upstream does).</summary>
    private static void Mode(int? mode, string field, FieldErrors errors)
    {
        if (mode is { } m && m is < 0 or > 511) errors.Invalid(field, m, "must be a number between 0 and 0777 (octal), both inclusive");
    }
}
