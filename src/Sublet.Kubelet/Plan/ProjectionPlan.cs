
namespace Sublet.Kubelet.Plan;

/// <summary>
/// What a <c>configMap</c>, <c>secret</c>, <c>downwardAPI</c> or <c>projected</c> volume shows:
/// references to objects and fields, never their content, so no secret lands in the plan kept
/// in the state database. The runtime asks <see cref="Volumes.IVolumeContent"/> for the files when
/// it publishes them (at start, and again when <c>apply</c> changes an object).
/// </summary>
public sealed record ProjectionPlan
{
    /// <summary>The volume source's field: <c>configMap</c>, <c>secret</c>, <c>downwardAPI</c> or <c>projected</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Mode of files without their own (<c>defaultMode</c>; the kubelet's default is 0644).</summary>
    public int DefaultMode { get; init; } = DefaultFileMode;

    /// <summary>One for a configMap, secret or downwardAPI volume; any number for a projected one, later ones winning a path.</summary>
    public required IReadOnlyList<ProjectionSource> Sources { get; init; }

    /// <summary>Secret, downwardAPI and projected contents live on a tmpfs, never on disk (the kubelet's medium Memory).</summary>
    public bool OnTmpfs => Kind != "configMap";

    /// <summary>0644: pkg/apis/core/v1 defaults ConfigMapVolumeSourceDefaultMode and its siblings.</summary>
    public const int DefaultFileMode = 0b110_100_100;

    /// <summary>Whether publishing this volume reads the object (ConfigMap or Secret) of that name.</summary>
    public bool Uses(string kind, string name) => Sources.Any(s =>
        kind == "ConfigMap" ? s.ConfigMap?.Name == name : kind == "Secret" && s.Secret?.Name == name);
}

/// <summary>One source of a projection; exactly one of its parts is set.</summary>
/// <param name="Field">Its field path, for messages: <c>spec.volumes[1].configMap</c>, <c>spec.volumes[2].projected.sources[0].secret</c>.</param>
public sealed record ProjectionSource(string Field)
{
    public ObjectProjection? ConfigMap { get; init; }
    public ObjectProjection? Secret { get; init; }
    public IReadOnlyList<DownwardFile>? DownwardApi { get; init; }
}

/// <summary>A ConfigMap or Secret in the pod's namespace; <paramref name="Items"/> null = every key, as a file named after it.</summary>
public sealed record ObjectProjection(string Name, IReadOnlyList<KeyToPath>? Items, bool Optional);

/// <summary><c>items[]</c>: the key, the relative path it is written to, and its own mode.</summary>
public sealed record KeyToPath(string Key, string Path, int? Mode);

/// <summary>One <c>downwardAPI.items[]</c> entry: a metadata field or a container's resource.</summary>
public sealed record DownwardFile(string Path, int? Mode)
{
    /// <summary><c>fieldRef.fieldPath</c>: metadata.name, metadata.namespace, metadata.uid, metadata.labels, metadata.annotations, metadata.labels['k'], metadata.annotations['k'].</summary>
    public string? FieldPath { get; init; }

    public ResourceField? Resource { get; init; }
}

/// <summary>
/// <c>resourceFieldRef</c>: <paramref name="Resource"/> (e.g. limits.cpu) of container
/// <paramref name="ContainerName"/> divided by <paramref name="Divisor"/>. <paramref name="Limit"/>
/// and <paramref name="Request"/> are that container's quantities of the resource as written, null
/// when unset (an unset limit is the node's allocatable, an unset request the limit).
/// </summary>
public sealed record ResourceField(string ContainerName, string Resource, string Divisor, string? Limit, string? Request);
