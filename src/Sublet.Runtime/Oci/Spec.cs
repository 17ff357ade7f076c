using System.Text.Json.Serialization;

namespace Sublet.Runtime.Oci;

// The subset of the OCI runtime-spec config.json (config.md, config-linux.md @ v1.0.2, the
// version runc 1.1.5 reads) that Sublet writes. Names follow the spec exactly.

public sealed record Spec
{
    [JsonPropertyName("ociVersion")] public string OciVersion { get; init; } = "1.0.2";
    [JsonPropertyName("process")] public required Process Process { get; init; }
    [JsonPropertyName("root")] public required Root Root { get; init; }
    [JsonPropertyName("hostname")] public string? Hostname { get; init; }
    [JsonPropertyName("mounts")] public List<Mount> Mounts { get; init; } = [];
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }
    [JsonPropertyName("linux")] public required Linux Linux { get; init; }
}

public sealed record Process
{
    [JsonPropertyName("terminal")] public bool Terminal { get; init; }
    [JsonPropertyName("user")] public required User User { get; init; }
    [JsonPropertyName("args")] public required List<string> Args { get; init; }
    [JsonPropertyName("env")] public List<string> Env { get; init; } = [];
    [JsonPropertyName("cwd")] public string Cwd { get; init; } = "/";
    [JsonPropertyName("capabilities")] public Capabilities? Capabilities { get; init; }
    [JsonPropertyName("noNewPrivileges")] public bool NoNewPrivileges { get; init; }
    [JsonPropertyName("oomScoreAdj")] public int? OomScoreAdj { get; init; }
}

public sealed record User
{
    [JsonPropertyName("uid")] public uint Uid { get; init; }
    [JsonPropertyName("gid")] public uint Gid { get; init; }
    [JsonPropertyName("additionalGids")] public List<uint>? AdditionalGids { get; init; }
}

public sealed record Capabilities
{
    [JsonPropertyName("bounding")] public List<string> Bounding { get; init; } = [];
    [JsonPropertyName("effective")] public List<string> Effective { get; init; } = [];
    [JsonPropertyName("permitted")] public List<string> Permitted { get; init; } = [];
}

public sealed record Root
{
    [JsonPropertyName("path")] public required string Path { get; init; }
    [JsonPropertyName("readonly")] public bool Readonly { get; init; }
}

public sealed record Mount
{
    [JsonPropertyName("destination")] public required string Destination { get; init; }
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("source")] public string? Source { get; init; }
    [JsonPropertyName("options")] public List<string>? Options { get; init; }
}

public sealed record Linux
{
    [JsonPropertyName("uidMappings")] public List<IdMapping>? UidMappings { get; init; }
    [JsonPropertyName("gidMappings")] public List<IdMapping>? GidMappings { get; init; }
    [JsonPropertyName("namespaces")] public List<Namespace> Namespaces { get; init; } = [];
    [JsonPropertyName("maskedPaths")] public List<string>? MaskedPaths { get; init; }
    [JsonPropertyName("readonlyPaths")] public List<string>? ReadonlyPaths { get; init; }
    [JsonPropertyName("cgroupsPath")] public string? CgroupsPath { get; init; }
    [JsonPropertyName("resources")] public Resources? Resources { get; init; }
    [JsonPropertyName("devices")] public List<Device>? Devices { get; init; }
    [JsonPropertyName("sysctl")] public Dictionary<string, string>? Sysctl { get; init; }
    [JsonPropertyName("seccomp")] public Seccomp? Seccomp { get; init; }
    [JsonPropertyName("rootfsPropagation")] public string? RootfsPropagation { get; init; }
}

/// <summary>A device node created in the container (config-linux.md "Devices").</summary>
public sealed record Device
{
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("path")] public required string Path { get; init; }
    [JsonPropertyName("major")] public long Major { get; init; }
    [JsonPropertyName("minor")] public long Minor { get; init; }
    [JsonPropertyName("fileMode")] public uint? FileMode { get; init; }
    [JsonPropertyName("uid")] public uint? Uid { get; init; }
    [JsonPropertyName("gid")] public uint? Gid { get; init; }
}

/// <summary>config-linux.md "Seccomp"; also the format of Localhost profile files, as containerd reads them.</summary>
public sealed record Seccomp
{
    [JsonPropertyName("defaultAction")] public required string DefaultAction { get; init; }
    [JsonPropertyName("defaultErrnoRet")] public uint? DefaultErrnoRet { get; init; }
    [JsonPropertyName("architectures")] public List<string>? Architectures { get; init; }
    [JsonPropertyName("flags")] public List<string>? Flags { get; init; }
    [JsonPropertyName("syscalls")] public List<Syscall>? Syscalls { get; init; }
}

public sealed record Syscall
{
    [JsonPropertyName("names")] public required List<string> Names { get; init; }
    [JsonPropertyName("action")] public required string Action { get; init; }
    [JsonPropertyName("errnoRet")] public uint? ErrnoRet { get; init; }
    [JsonPropertyName("args")] public List<SyscallArg>? Args { get; init; }
}

public sealed record SyscallArg
{
    [JsonPropertyName("index")] public uint Index { get; init; }
    [JsonPropertyName("value")] public ulong Value { get; init; }
    [JsonPropertyName("valueTwo")] public ulong ValueTwo { get; init; }
    [JsonPropertyName("op")] public required string Op { get; init; }
}

public sealed record IdMapping
{
    [JsonPropertyName("containerID")] public uint ContainerId { get; init; }
    [JsonPropertyName("hostID")] public uint HostId { get; init; }
    [JsonPropertyName("size")] public uint Size { get; init; }
}

public sealed record Namespace
{
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("path")] public string? Path { get; init; }
}

public sealed record Resources
{
    [JsonPropertyName("devices")] public List<DeviceRule>? Devices { get; init; }
    [JsonPropertyName("memory")] public MemoryResources? Memory { get; init; }
    [JsonPropertyName("cpu")] public CpuResources? Cpu { get; init; }
}

/// <summary>config-linux.md "Memory": limit and swap (memory+swap) in bytes.</summary>
public sealed record MemoryResources
{
    [JsonPropertyName("limit")] public long? Limit { get; init; }
    [JsonPropertyName("swap")] public long? Swap { get; init; }
}

/// <summary>config-linux.md "CPU": relative shares, and a CFS quota per period (microseconds).</summary>
public sealed record CpuResources
{
    [JsonPropertyName("shares")] public ulong? Shares { get; init; }
    [JsonPropertyName("quota")] public long? Quota { get; init; }
    [JsonPropertyName("period")] public ulong? Period { get; init; }
    [JsonPropertyName("cpus")] public string? Cpus { get; init; }
    [JsonPropertyName("mems")] public string? Mems { get; init; }
}

public sealed record DeviceRule
{
    [JsonPropertyName("allow")] public bool Allow { get; init; }
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("major")] public long? Major { get; init; }
    [JsonPropertyName("minor")] public long? Minor { get; init; }
    [JsonPropertyName("access")] public string? Access { get; init; }
}

// Written only (readers parse config.json as a JsonDocument): the generated fast-path writer needs
// none of the metadata System.Text.Json configures for a type graph at its first use, ~2 ms a pod
// start for the spec's ~40 types (docs/benchmarks.md §6l).
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(Spec))]
internal sealed partial class SpecJson : JsonSerializerContext;

/// <summary>A bundle's config.json (runtime-spec bundle.md: the file runc reads from the bundle directory).</summary>
public static class SpecFile
{
    public static void Write(string bundle, Spec spec) =>
        File.WriteAllText(Path.Combine(bundle, "config.json"), System.Text.Json.JsonSerializer.Serialize(spec, SpecJson.Default.Spec));
}
