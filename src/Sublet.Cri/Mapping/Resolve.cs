using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Mapping;

/// <summary>
/// IDs as clients type them: the full ID or a unique prefix of a CRI-owned sandbox or container
/// (containerd's truncindex; crictl passes what the user typed). <c>play</c>'s are not reachable.
/// </summary>
internal static class Resolve
{
    public static string Sandbox(ISandboxRuntime runtime, string id) =>
        One(runtime.ListSandboxes(Owner.Cri).Select(v => v.Entry.Id), id, "sandbox");

    public static string Container(ISandboxRuntime runtime, string id) =>
        One(runtime.ListContainers(Owner.Cri).Select(v => v.Entry.Id), id, "container");

    /// <summary>For stop and remove: the ID it names, or the text itself when nothing matches (gone already is not an error there).</summary>
    public static string SandboxOrSelf(ISandboxRuntime runtime, string id) => Try(runtime.ListSandboxes(Owner.Cri).Select(v => v.Entry.Id), id) ?? id;

    public static string ContainerOrSelf(ISandboxRuntime runtime, string id) => Try(runtime.ListContainers(Owner.Cri).Select(v => v.Entry.Id), id) ?? id;

    private static string One(IEnumerable<string> ids, string id, string kind)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw RuntimeError.Invalid($"{kind} ID is empty");
        }
        var matches = ids.Where(x => x.StartsWith(id, StringComparison.Ordinal)).Take(2).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw RuntimeError.NotFound($"{kind} \"{id}\" not found"),
            _ => throw RuntimeError.Invalid($"{kind} ID prefix \"{id}\" is ambiguous"),
        };
    }

    private static string? Try(IEnumerable<string> ids, string id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }
        var matches = ids.Where(x => x.StartsWith(id, StringComparison.Ordinal)).Take(2).ToList();
        return matches.Count == 1 ? matches[0] : null;
    }
}
