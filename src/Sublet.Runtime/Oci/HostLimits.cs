using System.Globalization;

namespace Sublet.Runtime.Oci;

/// <summary>
/// What this host lets the runtime hand out: its own capability bounding set (containerd's
/// <c>allCaps</c> = cap.Current()), its own oom_score_adj (containerd <c>restrict_oom_score_adj</c>
/// uses it as the floor), and its device nodes for privileged containers. Read once per process.
/// </summary>
public sealed record HostLimits(IReadOnlyList<string> Capabilities, int OomScoreAdj, Func<IReadOnlyList<Device>> Devices)
{
    private static readonly Lazy<HostLimits> Host = new(() => Read("/proc/self", "/dev"));

    public static HostLimits Current => Host.Value;

    public static HostLimits Read(string procSelf, string dev)
    {
        var status = File.ReadAllLines(Path.Combine(procSelf, "status"));
        var bounding = status.First(l => l.StartsWith("CapBnd:", StringComparison.Ordinal))["CapBnd:".Length..].Trim();
        var oom = int.Parse(File.ReadAllText(Path.Combine(procSelf, "oom_score_adj")).Trim(), CultureInfo.InvariantCulture);
        var devices = new Lazy<IReadOnlyList<Device>>(() => HostDevices.Scan(dev));
        return new HostLimits(CapabilitySet.FromMask(ulong.Parse(bounding, NumberStyles.HexNumber, CultureInfo.InvariantCulture)), oom, () => devices.Value);
    }
}
