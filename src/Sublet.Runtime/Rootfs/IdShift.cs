using Sublet.IdMapping;

namespace Sublet.Runtime.Rootfs;

/// <summary>
/// The owner change of a chown copy: image ID u becomes host ID <c>Start + u</c>, the ID the pod's
/// user namespace shows as u (uid_map "0 Start Length"), for users and groups alike.
/// </summary>
public readonly record struct IdShift(IdRange Range)
{
    /// <summary>
    /// The kernel's overflow ID (/proc/sys/fs/overflowuid, 65534): what an ID outside the pod's
    /// range is written as. Through an idmapped mount such an owner can't be mapped either and
    /// shows as 65534 ("nobody") in the pod; shifting it anyway would hand the file to another
    /// pod's range.
    /// </summary>
    public const uint Overflow = 65534;

    /// <summary>The host ID for image ID <paramref name="id"/>.</summary>
    public uint Map(uint id) => id < Range.Length ? Range.Start + id : Overflow;

    /// <summary>True when <paramref name="id"/> has a place in the pod's range.</summary>
    public bool Maps(uint id) => id < Range.Length;
}
