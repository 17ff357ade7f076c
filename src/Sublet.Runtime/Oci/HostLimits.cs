using System.Globalization;

namespace Sublet.Runtime.Oci;

/// <summary>
/// What this host lets the runtime hand out: its own capability bounding set (containerd's
/// <c>allCaps</c> = cap.Current()), its own oom_score_adj (containerd <c>restrict_oom_score_adj</c>
/// uses it as the floor), its device nodes for privileged containers, whether memory+swap can be
/// limited (cgroup v1 <c>memory.memsw.*</c> exists only with swap accounting), and its hostname. Read once per process.
/// </summary>
public sealed record HostLimits(IReadOnlyList<string> Capabilities, int OomScoreAdj, Func<IReadOnlyList<Device>> Devices)
{
    private static readonly Lazy<HostLimits> Host = new(() => Read("/proc/self", "/dev") with { SwapController = new Sublet.Linux.CgroupFs().SwapController });

    /// <summary>The kubelet's swapControllerAvailable (kuberuntime_container_linux.go): without it no memory+swap limit is set.</summary>
    public bool SwapController { get; init; } = true;

    /// <summary>The node's hostname (uname(2) nodename): a container's HOSTNAME when its sandbox names none.</summary>
    public string Hostname { get; init; } = System.Environment.MachineName;

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
