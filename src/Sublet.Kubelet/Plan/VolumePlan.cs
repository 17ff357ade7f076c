using Sublet.Runtime.Sandboxes;

namespace Sublet.Kubelet.Plan;

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

    /// <summary><c>emptyDir.medium: Memory</c>: a tmpfs under the pod's run directory instead of disk.</summary>
    public bool InMemory { get; init; }

    /// <summary><c>emptyDir.sizeLimit</c> in bytes; null = none.</summary>
    public long? SizeLimitBytes { get; init; }

    /// <summary>How messages name the source, e.g. <c>hostPath /mnt/x</c>.</summary>
    public string Describe() => HostPath is { } p ? $"hostPath {p}" : Projection is { } c ? c.Kind : InMemory ? "emptyDir, medium Memory" : "emptyDir";
}

/// <summary>One <c>volumeMounts</c> entry.</summary>
public sealed record VolumeMountPlan(string Name, string MountPath, bool ReadOnly)
{
    /// <summary><c>subPath</c>: the part of the volume to mount; "" = all of it.</summary>
    public string SubPath { get; init; } = "";

    /// <summary><c>subPathExpr</c>: like <see cref="SubPath"/>, with <c>$(VAR)</c> from the container's env expanded when the container starts.</summary>
    public string SubPathExpr { get; init; } = "";

    public MountPropagation Propagation { get; init; } = MountPropagation.None;

    public RecursiveReadOnly RecursiveReadOnly { get; init; } = RecursiveReadOnly.Disabled;
}

/// <summary><c>volumeMounts[].recursiveReadOnly</c> (KEP-3857).</summary>
public enum RecursiveReadOnly
{
    Disabled,
    IfPossible,
    Enabled,
}
