namespace Sublet.IdMapping;

/// <summary>
/// A half-open run of host IDs [<see cref="Start"/>, <see cref="End"/>). <see cref="End"/> is computed
/// in 64-bit math so a range that ends exactly at 2^32 is representable (the kubelet's default pool
/// does, kube-userns.md §3.2) and nothing wraps to host ID 0 (the 32-bit overflow bug of
/// pkg/kubelet/userns/userns_manager.go, kube-userns.md §3.3).
/// </summary>
/// <param name="Start">First host ID in the range.</param>
/// <param name="Length">Number of IDs; 0 is an empty range that overlaps and contains nothing.</param>
public readonly record struct IdRange(uint Start, uint Length)
{
    /// <summary>One past the last ID, at most 2^32.</summary>
    public ulong End => (ulong)Start + Length;

    /// <summary>True when both ranges share at least one ID. Empty ranges overlap nothing.</summary>
    public bool Overlaps(IdRange other) =>
        Length != 0 && other.Length != 0 && Start < other.End && other.Start < End;

    /// <summary>True when <paramref name="id"/> lies in [Start, End).</summary>
    public bool Contains(uint id) => id >= Start && id < End;
}
