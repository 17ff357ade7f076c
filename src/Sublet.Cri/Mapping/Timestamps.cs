namespace Sublet.Cri.Mapping;

/// <summary>CRI times are nanoseconds since the Unix epoch (int64), 0 = unset.</summary>
internal static class Timestamps
{
    public static long Nanos(DateTimeOffset? time) =>
        time is { } t ? (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100 : 0;
}
