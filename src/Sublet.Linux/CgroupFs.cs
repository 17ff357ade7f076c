using System.Globalization;
using static Sublet.Linux.CgroupFiles;

namespace Sublet.Linux;

/// <summary>A cgroup's memory figures in bytes; <see cref="Limit"/> null = unlimited.</summary>
public sealed record CgroupMemory(long Usage, long WorkingSet, long? Limit);

/// <summary>
/// Reads and removes cgroups by their path relative to each hierarchy (an OCI <c>cgroupsPath</c>),
/// on cgroup v1 (one hierarchy per controller, as on this host: cpu and cpuacct apart) and v2.
/// The root is injectable so tests use fixture directories.
/// </summary>
public sealed class CgroupFs
{
    private readonly string _root;

    public CgroupFs(string root = "/sys/fs/cgroup") => _root = root;

    /// <summary>A single cgroup2 hierarchy at the root (no v1 controllers).</summary>
    public bool Unified => File.Exists(Path.Combine(_root, "cgroup.controllers"));

    /// <summary>Whether memory+swap can be limited: v2 always; v1 only with swap accounting (memory.memsw.limit_in_bytes).</summary>
    public bool SwapController => Unified || File.Exists(Path.Combine(_root, "memory", "memory.memsw.limit_in_bytes"));

    /// <summary>Every hierarchy under the root (for v2 the root itself), each once even when linked under several names (cpu,cpuacct).</summary>
    public IReadOnlyList<string> Hierarchies()
    {
        if (Unified)
        {
            return [_root];
        }
        if (!Directory.Exists(_root))
        {
            return [];
        }
        return [.. Directory.EnumerateDirectories(_root)
            .Select(d => new DirectoryInfo(d).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? d)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Removes <paramref name="relative"/> with every cgroup below it in every hierarchy, deepest
    /// first (rmdir: a cgroup directory goes away with its control files, and only once no process
    /// and no child is left). Returns the directories that stayed (still populated); missing ones are fine.
    /// </summary>
    public IReadOnlyList<string> RemoveTree(string relative)
    {
        var left = new List<string>();
        foreach (var hierarchy in Hierarchies())
        {
            Remove(Path.Combine(hierarchy, relative.TrimStart('/')), left);
        }
        return left;
    }

    /// <summary>
    /// SIGKILLs every process in <paramref name="relative"/> and below, in every hierarchy, until the
    /// tree is empty or <paramref name="wait"/> has passed; returns the PIDs still there. For what no
    /// OCI runtime answers for any more: a <c>runc:[2:INIT]</c> whose <c>runc create</c> was killed
    /// before it wrote its state is in the container's cgroup, and <c>runc delete</c> does not know
    /// it (runc's signalAllProcesses does the same walk over <c>cgroup.procs</c>; cgroups(7)).
    /// A PID read from a cgroup's procs file is a member of that cgroup, so nothing else is signalled.
    /// </summary>
    public IReadOnlyList<int> KillTree(string relative, TimeSpan wait) => Processes.Leftovers.Kill(() => Members(relative), wait);

    /// <summary>The PIDs in <paramref name="relative"/> and every cgroup below it, over all hierarchies, each once.</summary>
    public IReadOnlyList<int> Members(string relative)
    {
        var pids = new SortedSet<int>();
        foreach (var hierarchy in Hierarchies())
        {
            Collect(Path.Combine(hierarchy, relative.TrimStart('/')), pids);
        }
        return [.. pids];
    }

    private static void Collect(string dir, SortedSet<int> pids)
    {
        if (!Directory.Exists(dir))
        {
            return;
        }
        foreach (var line in (Read(dir, "cgroup.procs") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                pids.Add(pid);
            }
        }
        try
        {
            foreach (var child in Directory.EnumerateDirectories(dir))
            {
                Collect(child, pids);
            }
        }
        catch (DirectoryNotFoundException)
        {
            // removed while walking: nothing left in it
        }
    }

    private static void Remove(string dir, List<string> left)
    {
        if (!Directory.Exists(dir))
        {
            return;
        }
        foreach (var child in Directory.EnumerateDirectories(dir))
        {
            Remove(child, left);
        }
        try
        {
            Directory.Delete(dir, recursive: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (Directory.Exists(dir))
            {
                left.Add(dir);
            }
        }
    }

    /// <summary>
    /// Writes a control file of a v1 controller's cgroup, creating the cgroup (mkdir makes its
    /// control files). False when this host has no such v1 hierarchy.
    /// </summary>
    public bool Write(string controller, string relative, string file, string value)
    {
        if (Unified || !Directory.Exists(Path.Combine(_root, controller)))
        {
            return false;
        }
        var dir = Dir(controller, relative);
        Directory.CreateDirectory(dir);
        // One write(2) of the whole value, as runc's cgroups.WriteFile: kernfs takes a value per write.
        using var stream = new FileStream(Path.Combine(dir, file), FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite);
        stream.Write(System.Text.Encoding.ASCII.GetBytes(value));
        return true;
    }

    /// <summary>
    /// Whether the kernel's OOM killer killed a process of this cgroup: v2 <c>memory.events</c>
    /// oom_kill; v1 <c>memory.oom_control</c> oom_kill (kernel ≥ 4.13), else <c>memory.failcnt</c>
    /// (the limit was hit). False when the cgroup is gone.
    /// </summary>
    public bool OomKilled(string relative)
    {
        if (Unified)
        {
            return Field(Read(Dir("", relative), "memory.events"), "oom_kill") is > 0;
        }
        var dir = Dir("memory", relative);
        if (Field(Read(dir, "memory.oom_control"), "oom_kill") is { } kills)
        {
            return kills > 0;
        }
        return Number(Read(dir, "memory.failcnt")) is > 0;
    }

    /// <summary>
    /// Usage, working set (usage minus inactive file pages, as the kubelet's eviction and cadvisor
    /// count it) and limit; null when the cgroup is gone.
    /// </summary>
    public CgroupMemory? Memory(string relative)
    {
        var unified = Unified;
        var dir = unified ? Dir("", relative) : Dir("memory", relative);
        var usage = Number(Read(dir, unified ? "memory.current" : "memory.usage_in_bytes"));
        if (usage is null)
        {
            return null;
        }
        var inactive = Field(Read(dir, "memory.stat"), unified ? "inactive_file" : "total_inactive_file") ?? 0;
        var limitText = Read(dir, unified ? "memory.max" : "memory.limit_in_bytes")?.Trim();
        var limit = Number(limitText);
        // v1 reports "no limit" as the largest page-aligned value (PAGE_COUNTER_MAX pages); v2 writes "max".
        if (limit is >= 1L << 62)
        {
            limit = null;
        }
        return new CgroupMemory(usage.Value, Math.Max(usage.Value - inactive, 0), limit);
    }

    /// <summary>Total CPU time in nanoseconds: v1 <c>cpuacct.usage</c>, v2 <c>cpu.stat</c> usage_usec; null when the cgroup is gone.</summary>
    public long? CpuUsageNanos(string relative) =>
        Unified
            ? Field(Read(Dir("", relative), "cpu.stat"), "usage_usec") * 1000
            : Number(Read(Dir("cpuacct", relative), "cpuacct.usage"));

    private string Dir(string controller, string relative) => Path.Combine(_root, controller, relative.TrimStart('/'));
}
