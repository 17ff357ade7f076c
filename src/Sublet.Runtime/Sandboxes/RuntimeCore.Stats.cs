using Sublet.Linux;
using Sublet.Linux.Files;
using Sublet.Linux.Filesystems;

namespace Sublet.Runtime.Sandboxes;

/// <summary>A cgroup's usage at one moment (cadvisor's fields as the kubelet reads them over CRI); nulls where the cgroup is gone.</summary>
public sealed record CgroupUsage(DateTimeOffset Time, long? CpuNanos, CgroupMemory? Memory);

/// <summary>A container's usage: its cgroup, and its writable layer (bytes and inodes, on the filesystem mounted at <paramref name="LayerMount"/>).</summary>
public sealed record ContainerUsage(ContainerEntry Entry, CgroupUsage Cgroup, ulong? LayerBytes, ulong? LayerInodes, string LayerMount);

/// <summary>A sandbox's usage: the pod cgroup (all its containers), and each container's.</summary>
public sealed record SandboxUsage(SandboxEntry Entry, CgroupUsage Cgroup, IReadOnlyList<ContainerUsage> Containers);

public sealed partial class RuntimeCore
{
    public ContainerUsage ContainerStats(string id)
    {
        using var store = OpenStore();
        var entry = store.FindContainer(id) ?? throw RuntimeError.NotFound($"container \"{id}\" not found");
        var sandbox = store.FindSandbox(entry.SandboxId) ?? throw RuntimeError.NotFound($"sandbox \"{entry.SandboxId}\" of container {id} not found");
        return Usage(sandbox, entry);
    }

    public SandboxUsage SandboxStats(string id)
    {
        using var store = OpenStore();
        var sandbox = store.FindSandbox(id) ?? throw RuntimeError.NotFound($"sandbox \"{id}\" not found");
        var parent = CoreSpecs.CgroupParent(sandbox.Id, sandbox.Config);
        return new SandboxUsage(sandbox, Sample(parent), [.. store.SandboxContainers(id).Select(c => Usage(sandbox, c))]);
    }

    private ContainerUsage Usage(SandboxEntry sandbox, ContainerEntry entry)
    {
        var upper = Path.Combine(Paths(sandbox.Id).ContainerStateDir(entry.Id), "upper");
        var layer = Directory.Exists(upper) ? DiskUsage.Of(upper) : null;
        var mount = Filesystem.Of(Filesystem.NearestExisting(upper)).MountPoint ?? "/";
        return new ContainerUsage(entry, Sample($"{CoreSpecs.CgroupParent(sandbox.Id, sandbox.Config)}/{entry.Id}"), layer?.Bytes, layer?.Inodes, mount);
    }

    private CgroupUsage Sample(string cgroup)
    {
        var cgroups = Cgroups();
        return new CgroupUsage(_ctx.Time.GetUtcNow(), cgroups.CpuUsageNanos(cgroup), cgroups.Memory(cgroup));
    }
}
