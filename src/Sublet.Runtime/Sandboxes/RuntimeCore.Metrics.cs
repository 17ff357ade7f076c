using Sublet.Linux;
using Sublet.Linux.Processes;

namespace Sublet.Runtime.Sandboxes;

/// <summary>A container's cAdvisor-style counters now; <see cref="Cgroup"/> null when it is not running (created, exited: what is left of its cgroup says nothing of it).</summary>
public sealed record ContainerReading(ContainerEntry Entry, CgroupCounters? Cgroup);

/// <summary>
/// A sandbox's readings at <paramref name="Time"/>: the interfaces of its network namespace (none
/// on the node's network, where they would be the node's) and each container's cgroup counters.
/// </summary>
public sealed record SandboxReading(SandboxEntry Entry, DateTimeOffset Time, IReadOnlyList<LinkCounters> Links, IReadOnlyList<ContainerReading> Containers);

public sealed partial class RuntimeCore
{
    public SandboxReading SandboxMetrics(string id)
    {
        using var store = OpenStore();
        var sandbox = store.FindSandbox(id) ?? throw RuntimeError.NotFound($"sandbox \"{id}\" not found");
        var parent = CoreSpecs.CgroupParent(sandbox.Id, sandbox.Config);
        var cgroups = new CgroupCounterReader();
        var links = sandbox.Config.Network != NamespaceScope.Node && sandbox.PausePid is { } pause ? LinkCounters.Of(pause) : [];
        return new SandboxReading(sandbox, _ctx.Time.GetUtcNow(), links,
            [.. store.SandboxContainers(id).Select(c => new ContainerReading(c, ViewOf(c).State == CtrState.Running ? cgroups.Read($"{parent}/{c.Id}") : null))]);
    }
}
