namespace Sublet.IdMapping;

/// <summary>
/// Picks host ID ranges for user-namespaced pods from an <see cref="IdPool"/>: slot i is
/// [First + i·IdsPerPod, First + (i+1)·IdsPerPod), as in the kubelet's userns manager
/// (pkg/kubelet/userns/userns_manager.go <c>allocateOne</c>, kube-userns.md §3.4), but in 64-bit math
/// and without the slot that holds ID 2^32 − 1. Holds no state: the caller supplies what is in use.
/// </summary>
public sealed class SlotAllocator
{
    private readonly IdPool _pool;

    /// <summary>The pool the slots are cut from.</summary>
    public IdPool Pool => _pool;

    /// <summary>An allocator over <paramref name="pool"/>, which must pass <see cref="PoolResolver.Validate"/>.</summary>
    /// <exception cref="IdMappingException">The pool is malformed (maxPods is not checked here).</exception>
    public SlotAllocator(IdPool pool)
    {
        PoolResolver.Validate(pool, maxPods: 0);
        _pool = pool;
        SlotCount = pool.UsableSlots;
    }

    /// <summary>
    /// Usable slots: Count / IdsPerPod, less the last one when it would hold 2^32 − 1. The kernel
    /// rejects a uid_map extent containing that ID (kube-userns.md §3.3), so the default pool's last
    /// slot, which upstream hands out and then fails on, is never returned.
    /// </summary>
    public ulong SlotCount { get; }

    /// <summary>The host IDs of slot <paramref name="slot"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slot"/> ≥ <see cref="SlotCount"/>.</exception>
    public IdRange RangeOf(ulong slot)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, SlotCount);
        // Usable slots end at or below 2^32 − 1 (see SlotCount), so this cannot wrap.
        return new IdRange(checked((uint)(_pool.First + slot * _pool.IdsPerPod)), _pool.IdsPerPod);
    }

    /// <summary>
    /// The lowest free slot's range: the first aligned slot that overlaps none of
    /// <paramref name="inUse"/>. In-use ranges may be anything (unaligned, of other lengths, outside
    /// the pool), e.g. ranges a kubelet chose and sent over CRI (critest maps 0 → 1000, length 100000).
    /// </summary>
    /// <remarks>
    /// Pure decision; it writes nothing. The caller must hold the state store's write lock (the
    /// runtime calls this inside its SQLite write transaction) from reading the in-use list until the
    /// chosen range is recorded, or two pods could be given the same range.
    /// <para>
    /// Lowest-first, not random: the kubelet scans its bitmap from a random offset (kube-userns.md
    /// §3.4) because it only remembers slots, whereas Sublet's store is the single source of truth and
    /// a random pick would buy nothing but unreproducible test runs, diffs and bug reports.
    /// </para>
    /// <para>O(n log n) in the number of in-use ranges: sort by start, then one sweep.</para>
    /// </remarks>
    /// <exception cref="IdMappingException">No slot is free.</exception>
    public IdRange Allocate(IEnumerable<IdRange> inUse)
    {
        ArgumentNullException.ThrowIfNull(inUse);
        ulong length = _pool.IdsPerPod;
        ulong low = _pool.First;
        ulong high = low + SlotCount * length;
        // Keep only ranges that touch a usable slot; the rest cannot block anything.
        var blocking = inUse.Where(r => r.Length != 0 && r.Start < high && r.End > low).ToArray();
        Array.Sort(blocking, static (a, b) => a.Start.CompareTo(b.Start));

        ulong slot = 0;
        foreach (IdRange r in blocking)
        {
            ulong candidateStart = low + slot * length;
            if (r.End <= candidateStart)
            {
                continue; // wholly below the candidate, so below every later candidate too
            }
            if (r.Start >= candidateStart + length)
            {
                break; // sorted by start: no later range can touch the candidate either
            }
            // Overlap: the next candidate is the first slot starting at or after r.End.
            slot = (r.End - low + length - 1) / length;
            if (slot >= SlotCount)
            {
                break;
            }
        }
        if (slot < SlotCount)
        {
            return RangeOf(slot);
        }
        throw new IdMappingException(
            $"no free user namespace range: all {SlotCount} ranges of {length} IDs in {_pool.Source} " +
            $"(first {_pool.First}, count {_pool.Count}) are in use");
    }

    /// <summary>
    /// Checks one mapping recorded from elsewhere (a CRI <c>IDMapping</c>) and returns its host range.
    /// It need not lie in the pool or be aligned: the kubelet's allocator chose it (DESIGN.md "ID
    /// pools"). Container ID 0 must be mapped (kubelet and critest, kube-userns.md §4.3), the length
    /// must be at least 1 (containerd <c>parseUsernsIDMap</c>), and neither side may reach ID 2^32 − 1
    /// (the kernel's uid_map overflow check, kube-userns.md §3.3).
    /// </summary>
    /// <exception cref="IdMappingException">The mapping cannot be used.</exception>
    public static IdRange ValidateRecorded(UserNamespaceMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        var problems = new List<string>();
        if (mapping.ContainerId != 0)
        {
            problems.Add($"container ID 0 must be mapped, but the mapping starts at container ID {mapping.ContainerId}");
        }
        if (mapping.Length == 0)
        {
            problems.Add("the length must be at least 1");
        }
        if (mapping.HostRange.End > uint.MaxValue || (ulong)mapping.ContainerId + mapping.Length > uint.MaxValue)
        {
            problems.Add($"the range would include ID {uint.MaxValue}, which the kernel refuses to map");
        }
        if (problems.Count != 0)
        {
            throw new IdMappingException($"invalid user namespace mapping \"{mapping}\"", problems);
        }
        return mapping.HostRange;
    }

    /// <summary>
    /// Checks the UID and GID mappings of a CRI <c>UserNamespace</c> in POD mode: exactly one of each
    /// (containerd: "only one mapping line supported"), identical (the kubelet always sends UID = GID,
    /// kube-userns.md §3.4, and Sublet records one range per pod), and valid per
    /// <see cref="ValidateRecorded(UserNamespaceMapping)"/>.
    /// </summary>
    /// <exception cref="IdMappingException">The mappings cannot be used.</exception>
    public static IdRange ValidateRecorded(IReadOnlyList<UserNamespaceMapping> uids, IReadOnlyList<UserNamespaceMapping> gids)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ArgumentNullException.ThrowIfNull(gids);
        if (uids.Count != 1 || gids.Count != 1)
        {
            throw new IdMappingException(
                $"user namespace needs exactly one UID and one GID mapping, got {uids.Count} and {gids.Count}");
        }
        if (uids[0] != gids[0])
        {
            throw new IdMappingException(
                $"user namespace UID mapping \"{uids[0]}\" and GID mapping \"{gids[0]}\" must be the same");
        }
        return ValidateRecorded(uids[0]);
    }
}
