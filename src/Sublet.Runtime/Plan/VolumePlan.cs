namespace Sublet.Runtime.Plan;

/// <summary>A pod volume Sublet can provide. More kinds (configMap, secret, downwardAPI, projected) plug in here.</summary>
public sealed record VolumePlan
{
    public required string Name { get; init; }

    /// <summary><c>emptyDir</c> on disk under the pod's state directory.</summary>
    public bool EmptyDir { get; init; }

    /// <summary><c>hostPath.path</c>; null for other kinds.</summary>
    public string? HostPath { get; init; }

    /// <summary><c>hostPath.type</c>: "", DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice.</summary>
    public string HostPathType { get; init; } = "";

    /// <summary>configMap, secret, downwardAPI and projected volumes: what they show, by reference.</summary>
    public ProjectionPlan? Projection { get; init; }

    /// <summary>How messages name the source, e.g. <c>hostPath /mnt/x</c>.</summary>
    public string Describe() => HostPath is { } p ? $"hostPath {p}" : Projection is { } c ? c.Kind : "emptyDir";
}

/// <summary>One <c>volumeMounts</c> entry.</summary>
public sealed record VolumeMountPlan(string Name, string MountPath, bool ReadOnly);
