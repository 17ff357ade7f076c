using System.Globalization;
using Sublet.Linux.Processes;

namespace Sublet.Linux.Namespaces;

/// <summary>
/// The processes in one namespace, found by its identity: the <c>/proc/PID/ns/KIND</c> link of
/// a member reads <c>KIND:[INODE]</c>, the same text as the link of a descriptor open on a pin
/// of that namespace (namespaces(7) "The /proc/[pid]/ns/ directory").
/// </summary>
public static class NamespaceMembers
{
    /// <summary>
    /// SIGKILLs every process in the namespace pinned at <paramref name="pin"/> until none is left or
    /// <paramref name="wait"/> has passed; returns the PIDs still there. A missing pin is nothing to
    /// end. Membership is what makes a process the pod's: only the pod's processes (and what
    /// Sublet itself joined to them) can be in a namespace Sublet made for it.
    /// </summary>
    public static IReadOnlyList<int> Kill(string pin, string kind, TimeSpan wait, string procRoot = "/proc")
    {
        if (Identity(pin, kind) is not { } identity)
        {
            return [];
        }
        return Leftovers.Kill(() => Of(identity, kind, procRoot), wait);
    }

    /// <summary>The PIDs whose <paramref name="kind"/> namespace link reads <paramref name="identity"/> (<c>user:[INODE]</c>).</summary>
    public static IReadOnlyList<int> Of(string identity, string kind, string procRoot = "/proc")
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories(procRoot))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && LinkText(Path.Combine(dir, "ns", kind)) == identity && !Ended(dir))
            {
                pids.Add(pid);
            }
        }
        return pids;
    }

    /// <summary>
    /// The <c>KIND:[INODE]</c> text of the namespace pinned at <paramref name="pin"/> (its nsfs inode;
    /// a descriptor's link would read the pin's path); null when nothing is pinned there.
    /// </summary>
    public static string? Identity(string pin, string kind)
    {
        if (Interop.Libc.Statfs(pin, out var fs) != 0 || fs.Type != NsfsMagic)
        {
            return null;
        }
        try
        {
            return $"{kind}:[{Files.FileStatus.Of(pin).Inode}]";
        }
        catch (LinuxError)
        {
            return null; // unpinned meanwhile
        }
    }

    /// <summary>statfs(2) f_type of nsfs (linux/magic.h NSFS_MAGIC).</summary>
    private const long NsfsMagic = 0x6e736673;

    /// <summary>proc(5) stat state Z or X: ended, waiting for its parent (init, for an orphan) to reap it; no signal changes that.</summary>
    private static bool Ended(string dir)
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(dir, "stat"));
            return stat.LastIndexOf(')') is var close and >= 0 && close + 2 < stat.Length && stat[close + 2] is 'Z' or 'X';
        }
        catch (IOException)
        {
            return true; // gone
        }
    }

    private static string? LinkText(string link)
    {
        try
        {
            return new FileInfo(link).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // the process ended meanwhile
        }
    }
}
