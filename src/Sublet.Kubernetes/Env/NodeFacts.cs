using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Sublet.Kubernetes.Env;

/// <summary>
/// What the downward API says about the node: its name (<c>spec.nodeName</c>), its addresses
/// (<c>status.hostIP(s)</c>) and its allocatable resources, which stand in for a container's unset
/// limits (kubelet defaultPodLimitsForDownwardAPI).
/// </summary>
public sealed record NodeFacts(string Name, IReadOnlyList<string> HostIPs, long AllocatableMilliCpu, long AllocatableMemory, long AllocatableEphemeralStorage)
{
    /// <summary>The kubelet's default hard eviction threshold <c>memory.available&lt;100Mi</c>, which allocatable memory leaves free.</summary>
    public const long EvictionMemory = 100L * 1024 * 1024;

    /// <summary>Reads this host; <paramref name="stateRoot"/>'s filesystem is the node's ephemeral storage.</summary>
    public static NodeFacts ForThisHost(string stateRoot, long memoryCapacity)
    {
        // The kubelet's node name is the hostname, lower-cased (nodeutil.GetHostname).
        var name = System.Net.Dns.GetHostName().ToLowerInvariant();
        return new NodeFacts(name, new Deferred(HostAddresses), Environment.ProcessorCount * 1000L,
            Math.Max(0, memoryCapacity - EvictionMemory), Storage(stateRoot));
    }

    /// <summary>The addresses of the node's up, non-loopback interfaces, IPv4 first (the kubelet's node IP choice prefers IPv4).</summary>
    private static List<string> HostAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(i => i.OperationalStatus == OperationalStatus.Up && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
                .SelectMany(i => i.GetIPProperties().UnicastAddresses.Select(a => a.Address))
                .Where(a => a.AddressFamily == AddressFamily.InterNetwork || (a.AddressFamily == AddressFamily.InterNetworkV6 && !a.IsIPv6LinkLocal))
                .OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)
                .Select(a => a.ToString())
                .Distinct()
                .ToList();
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }

    private static long Storage(string path)
    {
        for (var dir = new DirectoryInfo(path); dir is not null; dir = dir.Parent)
        {
            if (dir.Exists)
            {
                try
                {
                    return new DriveInfo(dir.FullName).TotalSize;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
                {
                    return 0;
                }
            }
        }
        return 0;
    }

    /// <summary>
    /// A list read on first use: only a pod asking for <c>status.hostIP(s)</c> needs the addresses,
    /// and enumerating the interfaces was ~1 ms of every <c>play</c> (docs/benchmarks.md §6l).
    /// </summary>
    private sealed class Deferred(Func<List<string>> read) : IReadOnlyList<string>
    {
        private readonly Lazy<List<string>> _items = new(read);

        public int Count => _items.Value.Count;

        public string this[int index] => _items.Value[index];

        public IEnumerator<string> GetEnumerator() => _items.Value.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
