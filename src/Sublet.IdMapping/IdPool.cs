namespace Sublet.IdMapping;

/// <summary>
/// The host IDs user-namespaced pods are carved from, in the kubelet's terms (kube-userns.md §3.2,
/// pkg/kubelet/kubelet_pods.go <c>getKubeletMappings</c>): <paramref name="Count"/> IDs starting at
/// <paramref name="First"/>, cut into slots of <paramref name="IdsPerPod"/> IDs.
/// Build one with <see cref="PoolResolver.Resolve"/>, which also validates it.
/// </summary>
/// <param name="First">First host ID of the pool.</param>
/// <param name="Count">Number of IDs; 64-bit so that first + count is checked without wrapping
/// (/etc/subuid counts are unsigned long in shadow-utils, and a default pool may span 2^32).</param>
/// <param name="IdsPerPod">Slot size (kubelet <c>userNamespaces.idsPerPod</c>, default 65536).</param>
/// <param name="Source">Where the pool came from: <see cref="KubeletSource"/> or <see cref="DefaultSource"/>;
/// quoted in error messages.</param>
public sealed record IdPool(uint First, ulong Count, uint IdsPerPod, string Source)
{
    /// <summary><see cref="Source"/> of a pool read from the <c>kubelet</c> subordinate-ID entries.</summary>
    public const string KubeletSource = "kubelet entries of /etc/subuid and /etc/subgid";

    /// <summary><see cref="Source"/> of the kubelet's built-in pool (no <c>kubelet</c> entries).</summary>
    public const string DefaultSource = "default pool";

    /// <summary>The unit idsPerPod must be a multiple of (<c>userNsUnitLength</c>, kube-userns.md §3.1).</summary>
    public const uint UnitLength = 65536;

    /// <summary>2^32: one past the last host ID.</summary>
    public const ulong IdSpace = 1UL << 32;

    /// <summary>
    /// The kubelet's default pool for <paramref name="idsPerPod"/>: first ID = idsPerPod, count =
    /// 2^32 − idsPerPod (kube-userns.md §3.2 step 1), so host IDs 0..idsPerPod−1 are never mapped.
    /// </summary>
    public static IdPool Default(uint idsPerPod) => new(idsPerPod, IdSpace - idsPerPod, idsPerPod, DefaultSource);

    /// <summary>
    /// How many whole slots fit in the pool without holding ID 2^32 − 1, which the kernel refuses in
    /// any uid_map extent (first + count would wrap to 0; kube-userns.md §3.3, kubernetes#139916).
    /// Counts only whole slots, so it is meaningful even for a pool that fails validation.
    /// </summary>
    internal ulong UsableSlots
    {
        get
        {
            if (IdsPerPod == 0)
            {
                return 0;
            }
            ulong end = Math.Min(End, IdSpace - 1);
            return (end - First) / IdsPerPod;
        }
    }

    /// <summary>First + Count, saturating instead of wrapping for absurd counts.</summary>
    internal ulong End => Count > ulong.MaxValue - First ? ulong.MaxValue : First + Count;
}
