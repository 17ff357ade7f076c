using Sublet.Runtime.Sandboxes;
using Sublet.Runtime.State;

namespace Sublet.Cli.Commands;

/// <summary>
/// CRI pods for the CLI's read-only commands (issue 20 item 9): found by name (<c>NAMESPACE/NAME</c>
/// or <c>NAME</c> when unique; the newest attempt) or by ID prefix, after <c>play</c>'s pods. The
/// kubelet owns their lifecycle, so <c>down</c> and <c>exec</c> do not look here.
/// </summary>
internal static class CriPods
{
    public static SandboxView? Find(RuntimeCore core, string key)
    {
        var (ns, name) = key.Contains('/') ? (key[..key.IndexOf('/')], key[(key.IndexOf('/') + 1)..]) : (null, key);
        var all = core.ListSandboxes(Owner.Cri);
        var byName = all.Where(s => s.Entry.Config.Name == name && (ns is null || s.Entry.Config.Namespace == ns)).ToList();
        if (byName.Select(s => s.Entry.Config.Namespace).Distinct().Count() > 1)
        {
            throw new StateConflictException($"CRI pod name \"{name}\" is used in namespaces {string.Join(", ", byName.Select(s => s.Entry.Config.Namespace).Distinct())}: say which as NAMESPACE/{name}");
        }
        if (byName.Count > 0)
        {
            return byName.MaxBy(s => s.Entry.Config.Attempt);
        }
        var byId = key.Length >= 4 ? all.Where(s => s.Entry.Id.StartsWith(key, StringComparison.Ordinal)).ToList() : [];
        return byId.Count == 1 ? byId[0] : null;
    }

    /// <summary>The container <c>-c</c> names (its newest attempt), or the only one.</summary>
    public static ContainerView Choose(RuntimeCore core, SandboxView pod, string? name)
    {
        var containers = core.ListContainers(Owner.Cri).Where(c => c.Entry.SandboxId == pod.Entry.Id).ToList();
        var names = containers.Select(c => c.Entry.Config.Name).Distinct().ToList();
        name ??= names.Count == 1 ? names[0]
            : throw new NotFoundException($"CRI pod \"{pod.Entry.Config.Name}\" has {names.Count} containers: choose one of [{string.Join(" ", names)}] with -c");
        return containers.Where(c => c.Entry.Config.Name == name).MaxBy(c => c.Entry.Config.Attempt)
            ?? throw new NotFoundException($"container \"{name}\" is not in CRI pod \"{pod.Entry.Config.Name}\"");
    }

    /// <summary>The attempt of <paramref name="current"/>'s container before it, if the kubelet kept it.</summary>
    public static ContainerView? Previous(RuntimeCore core, ContainerView current) =>
        core.ListContainers(Owner.Cri)
            .Where(c => c.Entry.SandboxId == current.Entry.SandboxId && c.Entry.Config.Name == current.Entry.Config.Name && c.Entry.Config.Attempt < current.Entry.Config.Attempt)
            .MaxBy(c => c.Entry.Config.Attempt);
}
