using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>ValidateVolumeMounts and ValidateVolumeDevices of pkg/apis/core/validation/validation.go.</summary>
internal static class MountValidator
{
    /// <summary>
    /// One container's mounts against the pod's valid volumes. Upstream reports subPath, subPathExpr,
    /// mountPropagation and recursiveReadOnly errors at "volumeMounts.&lt;field&gt;" without the index
    /// (it passes the list's path, not the item's); that is kept, so messages match the API server's.
    /// </summary>
    public static void Mounts(V1Container c, IReadOnlyDictionary<string, V1Volume> volumes, string field, FieldErrors errors)
    {
        var devices = DeviceMap(c.VolumeDevices);
        var points = new HashSet<string>();
        for (var i = 0; i < (c.VolumeMounts?.Count ?? 0); i++)
        {
            var m = c.VolumeMounts![i];
            var path = $"{field}[{i}]";
            var name = m.Name ?? "";
            var mountPath = m.MountPath ?? "";
            if (name.Length == 0) errors.Required($"{path}.name");
            if (!volumes.ContainsKey(name)) errors.NotFound($"{path}.name", name);
            if (mountPath.Length == 0) errors.Required($"{path}.mountPath");
            if (!points.Add(mountPath)) errors.Invalid($"{path}.mountPath", mountPath, "must be unique");
            if (devices.ContainsKey(name)) errors.Invalid($"{path}.name", name, "must not already exist in volumeDevices");
            if (devices.ContainsValue(mountPath)) errors.Invalid($"{path}.mountPath", mountPath, "must not already exist as a path in volumeDevices");
            var subPath = m.SubPath ?? "";
            var subPathExpr = m.SubPathExpr ?? "";
            if (volumes.TryGetValue(name, out var volume) && volume.Image is not null)
            {
                if (subPath.Length != 0) errors.Invalid($"{path}.subPath", subPath, "not allowed in image volume sources");
                if (subPathExpr.Length != 0) errors.Invalid($"{path}.subPathExpr", subPathExpr, "not allowed in image volume sources");
            }
            if (subPath.Length > 0) Paths.LocalDescending(subPath, $"{field}.subPath", errors);
            if (subPathExpr.Length > 0)
            {
                if (subPath.Length > 0) errors.Invalid($"{path}.subPathExpr", subPathExpr, "subPathExpr and subPath are mutually exclusive");
                Paths.LocalDescending(subPathExpr, $"{field}.subPathExpr", errors);
            }
            if (m.MountPropagation is { } propagation) Propagation(propagation, c, $"{field}.mountPropagation", errors);
            RecursiveReadOnly(m, $"{field}.recursiveReadOnly", errors);
        }
    }

    /// <summary>validateMountPropagation: a known mode; Bidirectional only for privileged containers.</summary>
    private static void Propagation(string propagation, V1Container c, string path, FieldErrors errors)
    {
        if (propagation is not ("Bidirectional" or "HostToContainer" or "None"))
            errors.NotSupported(path, propagation, "Bidirectional", "HostToContainer", "None");
        if (propagation == "Bidirectional" && c.SecurityContext?.Privileged != true)
            errors.Forbidden(path, "Bidirectional mount propagation is available only to privileged containers");
    }

    /// <summary>validateMountRecursiveReadOnly: Enabled and IfPossible need readOnly and no propagation but None.</summary>
    private static void RecursiveReadOnly(V1VolumeMount m, string path, FieldErrors errors)
    {
        switch (m.RecursiveReadOnly)
        {
            case null or "Disabled":
                break;
            case "Enabled" or "IfPossible":
                if (m.ReadOnlyProperty != true) errors.Forbidden(path, "may only be specified when readOnly is true");
                if (m.MountPropagation is { } p && p != "None") errors.Forbidden(path, "may only be specified when mountPropagation is None or not specified");
                break;
            default:
                errors.NotSupported(path, m.RecursiveReadOnly, "Disabled", "Enabled", "IfPossible");
                break;
        }
    }

    /// <summary>ValidateVolumeDevices: raw block devices come from PVC or ephemeral volumes, apart from the mounts.</summary>
    public static void Devices(V1Container c, IReadOnlyDictionary<string, V1Volume> volumes, string field, FieldErrors errors)
    {
        var mounts = new Dictionary<string, string>();
        foreach (var m in c.VolumeMounts ?? []) mounts[m.Name ?? ""] = m.MountPath ?? "";
        var paths = new HashSet<string>();
        var names = new HashSet<string>();
        for (var i = 0; i < (c.VolumeDevices?.Count ?? 0); i++)
        {
            var d = c.VolumeDevices![i];
            var path = $"{field}[{i}]";
            var name = d.Name ?? "";
            var devicePath = d.DevicePath ?? "";
            var matched = volumes.TryGetValue(name, out var volume);
            if (name.Length == 0) errors.Required($"{path}.name");
            if (names.Contains(name)) errors.Invalid($"{path}.name", name, "must be unique");
            if (matched && volume!.PersistentVolumeClaim is null && volume.Ephemeral is null)
                errors.Invalid($"{path}.name", name, "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode");
            if (!matched) errors.NotFound($"{path}.name", name);
            if (devicePath.Length == 0) errors.Required($"{path}.devicePath");
            if (paths.Contains(devicePath)) errors.Invalid($"{path}.devicePath", devicePath, "must be unique");
            if (devicePath.Length > 0 && Paths.HasBackstep(devicePath)) errors.Invalid($"{path}.devicePath", devicePath, "can not contain backsteps ('..')");
            else paths.Add(devicePath);
            if (mounts.ContainsKey(name)) errors.Invalid($"{path}.name", name, "must not already exist in volumeMounts");
            if (mounts.ContainsValue(devicePath)) errors.Invalid($"{path}.devicePath", devicePath, "must not already exist as a path in volumeMounts");
            if (name.Length > 0) names.Add(name);
        }
    }

    /// <summary>GetVolumeDeviceMap: name to device path, the last device of a name winning.</summary>
    private static Dictionary<string, string> DeviceMap(IList<V1VolumeDevice>? devices)
    {
        var map = new Dictionary<string, string>();
        foreach (var d in devices ?? []) map[d.Name ?? ""] = d.DevicePath ?? "";
        return map;
    }
}
