using System.Globalization;
using Sublet.IdMapping;
using Sublet.Linux.Processes;
using Sublet.Runtime.Oci;

namespace Sublet.Runtime.Audit;

/// <summary>A pod as the audit knows it: its recorded host range, or none (host users).</summary>
/// <param name="Cgroup">The cgroup every process of the pod is under; null = Sublet's own per-pod parent.</param>
public sealed record AuditedPod(string Id, string Name, IdRange? Range, string? Cgroup = null);

/// <summary>One thing that breaks a pod's isolation promise; <paramref name="Check"/> names the rule.</summary>
public sealed record IdFinding(string Pod, string Check, string Detail);

/// <summary>
/// The live ID audit of <c>sublet ids --verify</c> (issue 24), decided from /proc snapshots
/// without touching the host: every process in a user-namespaced pod's cgroup runs with host IDs
/// inside the pod's range (real, effective, saved, filesystem, supplementary groups) in a user
/// namespace mapped inside it, the pod's own namespace maps exactly the recorded range, no two
/// pods' ranges overlap, and no other user namespace on the host maps into a pod's range.
/// </summary>
public static class IdAudit
{
    public const string Overlap = "ranges overlap";
    public const string OutOfRange = "process ID outside range";
    public const string MapMismatch = "user namespace map";
    public const string Foreign = "foreign user namespace";

    /// <param name="podNamespaces">Pod ID → the "user:[INODE]" of its own user namespace (its pause process's).</param>
    /// <param name="hostNamespace">The initial user namespace (ours), whose identity map covers every ID.</param>
    public static IReadOnlyList<IdFinding> Check(IReadOnlyList<AuditedPod> pods, IReadOnlyList<ProcessSnapshot> processes,
        IReadOnlyDictionary<string, string> podNamespaces, string hostNamespace)
    {
        var findings = new List<IdFinding>();
        var ranged = pods.Where(p => p.Range is not null).ToList();
        for (var i = 0; i < ranged.Count; i++)
        {
            for (var j = i + 1; j < ranged.Count; j++)
            {
                if (ranged[i].Range!.Value.Overlaps(ranged[j].Range!.Value))
                    findings.Add(new(ranged[i].Name, Overlap, $"{Describe(ranged[i].Range!.Value)} overlaps pod {ranged[j].Name} {Describe(ranged[j].Range!.Value)}"));
            }
        }
        var inPods = new HashSet<int>();
        foreach (var pod in ranged)
        {
            var range = pod.Range!.Value;
            var cgroup = pod.Cgroup ?? CgroupResources.PodParent(pod.Id);
            foreach (var process in processes.Where(p => InCgroup(p.Cgroup, cgroup)))
            {
                inPods.Add(process.Pid);
                findings.AddRange(ProcessFindings(pod, range, process, podNamespaces.GetValueOrDefault(pod.Id)));
            }
        }
        // Everyone else: a user namespace whose map reaches into a pod's range (another runtime, a
        // second Sublet state root, a process started by hand) shares its IDs with the pod.
        var own = podNamespaces.Values.Append(hostNamespace).ToHashSet(StringComparer.Ordinal);
        foreach (var group in processes.Where(p => !inPods.Contains(p.Pid) && !own.Contains(p.UserNamespace) && !IsInitial(p)).GroupBy(p => p.UserNamespace))
        {
            var first = group.First();
            foreach (var mapping in Maps(first.UidMap).Concat(Maps(first.GidMap)))
            {
                foreach (var pod in ranged.Where(p => p.Range!.Value.Overlaps(mapping.HostRange)))
                    findings.Add(new(pod.Name, Foreign, $"{first.UserNamespace} of pid {first.Pid} ({first.Comm}) maps host IDs {Describe(mapping.HostRange)} into the pod's {Describe(pod.Range!.Value)}"));
            }
        }
        return findings.Distinct().ToList();
    }

    /// <summary>
    /// Host ranges that user namespaces on this host map, other than the initial one: what a new
    /// pod's range must avoid (issue 24 item 3: a second state root, another runtime, a process
    /// started by hand). Each with who holds it, for the warning.
    /// </summary>
    public static IReadOnlyList<(IdRange Range, string Holder)> LiveRanges(IReadOnlyList<ProcessSnapshot> processes, string hostNamespace) =>
        processes.Where(p => p.UserNamespace != hostNamespace && !IsInitial(p) && !HasExited(p)).GroupBy(p => p.UserNamespace)
            .SelectMany(g => Maps(g.First().UidMap).Concat(Maps(g.First().GidMap))
                .Select(m => (m.HostRange, $"{g.Key} of pid {g.First().Pid} ({g.First().Comm})")))
            .Distinct().ToList();

    private static IEnumerable<IdFinding> ProcessFindings(AuditedPod pod, IdRange range, ProcessSnapshot process, string? podNamespace)
    {
        var who = $"pid {process.Pid} ({process.Comm})";
        foreach (var (field, ids) in new[] { ("Uid", StatusIds(process.Status, "Uid")), ("Gid", StatusIds(process.Status, "Gid")), ("Groups", StatusIds(process.Status, "Groups")) })
        {
            var outside = ids.Where(id => !range.Contains(id)).Distinct().ToList();
            if (outside.Count > 0)
                yield return new(pod.Name, OutOfRange, $"{who} {field} {string.Join(",", outside)} not in {Describe(range)}");
        }
        foreach (var (name, text) in new[] { ("uid_map", process.UidMap), ("gid_map", process.GidMap) })
        {
            var maps = Maps(text);
            if (process.UserNamespace == podNamespace)
            {
                // The pod's own namespace: exactly container 0 → the recorded range (KEP-127).
                if (maps.Count != 1 || maps[0] != new UserNamespaceMapping(0, range.Start, range.Length))
                    yield return new(pod.Name, MapMismatch, $"{who} {name} \"{Flat(text)}\" is not \"0 {range.Start} {range.Length}\"");
            }
            else if (maps.Count == 0 || maps.Any(m => !(m.HostRange.Start >= range.Start && m.HostRange.End <= range.End)))
            {
                // A nested namespace (unshare inside the pod) may map part of the range, never beyond.
                yield return new(pod.Name, MapMismatch, $"{who} in {process.UserNamespace}: {name} \"{Flat(text)}\" reaches outside {Describe(range)}");
            }
        }
    }

    /// <summary>
    /// The initial namespace maps every ID to itself ("0 0 4294967295", user_namespaces(7)); its
    /// ns link can be unreadable for some processes, so the map decides too.
    /// </summary>
    private static bool IsInitial(ProcessSnapshot process) =>
        Maps(process.UidMap) is [{ ContainerId: 0, HostId: 0, Length: uint.MaxValue }];

    /// <summary>
    /// proc(5) status "State:\tZ (zombie)" or "X (dead)": the process has ended and only waits to be
    /// reaped (by init, for an orphan, which can take a while). Its uid_map still reads as its
    /// namespace's, but nothing can act in that namespace through it, so it holds no range.
    /// </summary>
    private static bool HasExited(ProcessSnapshot process) =>
        process.Status.Split('\n').FirstOrDefault(l => l.StartsWith("State:", StringComparison.Ordinal)) is { } line
        && line[6..].TrimStart() is ['Z' or 'X', ..];

    /// <summary>cgroup(7) lines "ID:CONTROLLERS:PATH"; the pod's processes live under its parent cgroup in every hierarchy.</summary>
    private static bool InCgroup(string cgroupText, string parent) =>
        cgroupText.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l[(l.IndexOf(':', l.IndexOf(':') + 1) + 1)..])
            .Any(path => path == parent || path.StartsWith(parent + "/", StringComparison.Ordinal));

    /// <summary>proc(5) status "Uid:\treal\teffective\tsaved\tfs" (Gid likewise), "Groups:\tg1 g2 …".</summary>
    internal static IReadOnlyList<uint> StatusIds(string status, string field)
    {
        var line = status.Split('\n').FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return line is null ? [] : line[(field.Length + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)
            .Select(v => uint.Parse(v, CultureInfo.InvariantCulture)).ToList();
    }

    private static IReadOnlyList<UserNamespaceMapping> Maps(string text) => UidMapText.Parse(text);

    private static string Flat(string text) => string.Join(", ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))));

    private static string Describe(IdRange range) => $"{range.Start}-{range.End - 1}";
}
