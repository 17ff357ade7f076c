using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Mapping;

/// <summary>
/// IDs as clients type them: the full ID or a unique prefix of a CRI-owned sandbox or container
/// (containerd's truncindex; crictl passes what the user typed). <c>play</c>'s are not reachable.
/// Only the IDs are read (two at most: one names it, two are ambiguous), not every sandbox's or
/// container's status: each CRI call that takes an ID resolves it, so that cost grew with the
/// node's pods (issue 23's density run).
/// </summary>
internal static class Resolve
{
    public static string Sandbox(ISandboxRuntime runtime, string id) =>
        One(string.IsNullOrEmpty(id) ? [] : runtime.SandboxIds(Owner.Cri, id, 2), id, "sandbox");

    public static string Container(ISandboxRuntime runtime, string id) =>
        One(string.IsNullOrEmpty(id) ? [] : runtime.ContainerIds(Owner.Cri, id, 2), id, "container");

    /// <summary>For stop and remove: the ID it names, or the text itself when nothing matches (gone already is not an error there).</summary>
    public static string SandboxOrSelf(ISandboxRuntime runtime, string id) =>
        string.IsNullOrEmpty(id) ? id : Unique(runtime.SandboxIds(Owner.Cri, id, 2)) ?? id;

    public static string ContainerOrSelf(ISandboxRuntime runtime, string id) => TryContainer(runtime, id) ?? id;

    /// <summary>The CRI container <paramref name="id"/> names, or null when it names none or several.</summary>
    public static string? TryContainer(ISandboxRuntime runtime, string id) =>
        string.IsNullOrEmpty(id) ? null : Unique(runtime.ContainerIds(Owner.Cri, id, 2));

    /// <summary>A status, or null when what it asks about is not (or no longer) there.</summary>
    public static T? IfFound<T>(Func<T> status) where T : class
    {
        try
        {
            return status();
        }
        catch (RuntimeError e) when (e.Kind == ErrorKind.NotFound)
        {
            return null;
        }
    }

    private static string One(IReadOnlyList<string> matches, string id, string kind)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw RuntimeError.Invalid($"{kind} ID is empty");
        }
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw RuntimeError.NotFound($"{kind} \"{id}\" not found"),
            _ => throw RuntimeError.Invalid($"{kind} ID prefix \"{id}\" is ambiguous"),
        };
    }

    private static string? Unique(IReadOnlyList<string> matches) => matches.Count == 1 ? matches[0] : null;
}
