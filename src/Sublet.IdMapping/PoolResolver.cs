namespace Sublet.IdMapping;

/// <summary>
/// Finds and checks the host ID pool the way the kubelet does at start-up, so that Sublet's own pods
/// (<c>play</c>) come from the same pool a kubelet on this node would use (DESIGN.md "ID pools").
/// </summary>
public static class PoolResolver
{
    /// <summary>The only owner whose entries define the pool (kubelet runs <c>getsubids kubelet</c>).</summary>
    public const string KubeletUser = "kubelet";

    private const string SubUidFile = "/etc/subuid";
    private const string SubGidFile = "/etc/subgid";

    /// <summary>
    /// The pool from the <c>kubelet</c> entries of /etc/subuid and /etc/subgid, or the kubelet's
    /// default pool (<see cref="IdPool.Default"/>) when neither file has one; then
    /// <see cref="Validate"/>. Mirrors pkg/kubelet/kubelet_pods.go <c>getKubeletMappings</c>
    /// (kube-userns.md §3.2): the kubelet demands byte-identical getsubids output for UIDs and GIDs
    /// and exactly one range, so here each file must hold exactly one kubelet entry, with the same
    /// start and count. Entries of other owners are ignored. Limitation: only the name "kubelet" is
    /// matched, not a numeric-UID line for the kubelet user (resolving the UID would need I/O).
    /// </summary>
    /// <param name="subuidText">Contents of /etc/subuid, or null when the file is absent.</param>
    /// <param name="subgidText">Contents of /etc/subgid, or null when the file is absent.</param>
    /// <param name="idsPerPod">kubelet <c>userNamespaces.idsPerPod</c> (default 65536).</param>
    /// <param name="maxPods">kubelet <c>maxPods</c> (default 110); the pool must have that many usable slots.</param>
    /// <exception cref="IdMappingException">A malformed file, mismatched or repeated kubelet entries,
    /// or a pool that fails <see cref="Validate"/>.</exception>
    public static IdPool Resolve(string? subuidText, string? subgidText, uint idsPerPod, int maxPods)
    {
        SubIdEntry? uids = KubeletEntry(subuidText, SubUidFile);
        SubIdEntry? gids = KubeletEntry(subgidText, SubGidFile);
        IdPool pool;
        if (uids is null && gids is null)
        {
            pool = IdPool.Default(idsPerPod);
        }
        else if (uids is not null && uids == gids)
        {
            pool = new IdPool(uids.Start, uids.Count, idsPerPod, IdPool.KubeletSource);
        }
        else
        {
            throw new IdMappingException(
                $"mismatched subuids and subgids for user \"{KubeletUser}\": {SubUidFile} has {Describe(uids, subuidText)}, " +
                $"{SubGidFile} has {Describe(gids, subgidText)}; both must hold the same single range");
        }
        Validate(pool, maxPods);
        return pool;
    }

    /// <summary>
    /// The checks of the kubelet's <c>MakeUserNsManager</c> (pkg/kubelet/userns/userns_manager.go,
    /// kube-userns.md §3.3) plus idsPerPod ≥ 65536 from validation_linux.go, all collected into one
    /// exception in kubelet wording. Two upstream bugs are not repeated: a pool running past 2^32 is
    /// an error here (upstream wraps slot addresses to host ID 0), and the slot holding ID 2^32 − 1
    /// (which the kernel refuses) is not counted as usable, so maxPods is checked against the slots
    /// <see cref="SlotAllocator"/> can really hand out (kubernetes#139916).
    /// </summary>
    /// <exception cref="IdMappingException">Lists every problem found.</exception>
    public static void Validate(IdPool pool, int maxPods)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentOutOfRangeException.ThrowIfNegative(maxPods);
        uint length = pool.IdsPerPod;
        var problems = new List<string>();
        if (length < IdPool.UnitLength)
        {
            problems.Add($"kubelet user namespace length {length} must be at least {IdPool.UnitLength}");
        }
        if (length % IdPool.UnitLength != 0)
        {
            problems.Add($"kubelet user namespace length {length} is not a multiple of {IdPool.UnitLength}");
        }
        // With length 0 every modulo below is undefined; the "at least 65536" problem already says why.
        if (length != 0)
        {
            if (pool.First % length != 0)
            {
                problems.Add($"kubelet user assigned ID {pool.First} is not a multiple of {length}");
            }
            // The rule that keeps host IDs 0..length-1, root above all, out of every pod ("We don't allow to map 0").
            if (pool.First < length)
            {
                problems.Add($"kubelet user assigned ID {pool.First} must be greater or equal to {length}");
            }
            if (pool.Count % length != 0)
            {
                problems.Add($"kubelet user assigned IDs length {pool.Count} is not a multiple of {length}");
            }
        }
        ulong end = pool.End;
        if (end > IdPool.IdSpace)
        {
            problems.Add($"kubelet user assigned IDs {pool.First} to {end - 1} go past the last ID {uint.MaxValue}");
        }
        if (pool.UsableSlots < (ulong)maxPods)
        {
            problems.Add($"kubelet user assigned IDs are not enough to support {maxPods} pods " +
                         $"({pool.UsableSlots} usable ranges of {length} IDs)");
        }
        if (problems.Count != 0)
        {
            throw new IdMappingException(
                $"invalid user namespace ID pool ({pool.Source}, first {pool.First}, count {pool.Count}, idsPerPod {length})",
                problems);
        }
    }

    /// <summary>The single kubelet entry of a file, or null if the file is absent or has none.</summary>
    private static SubIdEntry? KubeletEntry(string? text, string fileName)
    {
        if (text is null)
        {
            return null;
        }
        var mine = SubIdFile.Parse(text, fileName).Where(e => e.Owner == KubeletUser).ToList();
        if (mine.Count > 1)
        {
            // kubelet_pods.go parseGetSubIdsOutput: getsubids output "must contain only one line".
            throw new IdMappingException(
                $"user \"{KubeletUser}\" has {mine.Count} entries in {fileName} ({string.Join(", ", mine.Select(Format))}); " +
                "it must have exactly one");
        }
        return mine.Count == 1 ? mine[0] : null;
    }

    private static string Describe(SubIdEntry? entry, string? text) =>
        entry is not null ? Format(entry) : text is null ? "no file" : $"no \"{KubeletUser}\" entry";

    private static string Format(SubIdEntry e) => $"{e.Owner}:{e.Start}:{e.Count}";
}
