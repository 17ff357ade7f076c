using System.Text.Json.Nodes;
using Sublet.Runtime.Config;

namespace Sublet.Runtime.Network;

/// <summary>A hostPort of the pod (CRI PortMapping): only those with a host port reach CNI's portmap.</summary>
public sealed record PortMapping(string Protocol, int ContainerPort, int HostPort, string HostIp);

/// <summary>What a pod's network is set up from: its identity and the capability arguments CRI gives.</summary>
public sealed record PodNetworkRequest(string SandboxId, string Name, string Namespace, string Uid,
    IReadOnlyList<PortMapping> Ports, IReadOnlyList<string> DnsServers, IReadOnlyList<string> DnsSearches, IReadOnlyList<string> DnsOptions,
    IReadOnlyDictionary<string, string> Annotations, string? CgroupParent);

/// <summary>Whether pods can get a network now (CRI RuntimeCondition NetworkReady).</summary>
public sealed record NetworkReadiness(bool Ready, string Reason, string Message);

/// <summary>
/// The pod network on this node: loads the default network list (the first file of the
/// configuration directory, or the one Sublet writes), attaches a pod's pinned network namespace
/// to it as <c>eth0</c>, and detaches it. The attachment is cached in the sandbox's state
/// directory before ADD starts and with the result after (libcni's result cache), so DEL gets the
/// same configuration, arguments and result after a restart or a crash mid-setup.
/// </summary>
public sealed class PodNetwork
{
    public const string IfName = "eth0";
    private readonly NetworkConfig _config;
    private readonly string _stateRoot;
    private readonly CniClient _client;

    public PodNetwork(NetworkConfig config, string stateRoot, ICniExec? exec = null)
    {
        _config = config;
        _stateRoot = stateRoot;
        _client = new CniClient(exec ?? new ProcessCniExec(), config.PluginDirs, TimeSpan.FromSeconds(config.PluginTimeoutSeconds));
    }

    /// <summary>False when pods get loopback only (<c>network.mode: none</c>).</summary>
    public bool Enabled => _config.Mode == NetworkConfig.Cni;

    /// <summary>The pod network list, writing Sublet's default first when the directory holds none and that is allowed.</summary>
    /// <exception cref="CniException">No usable configuration.</exception>
    public CniNetworkList Load()
    {
        var dir = _config.ConfDir;
        var files = CniNetworkList.ConfigFiles(Directory.Exists(dir) ? Directory.GetFiles(dir) : []);
        if (files.Count == 0)
        {
            if (!_config.WriteDefault)
            {
                throw new CniException($"no network configuration found in {dir} (network.writeDefault is off)");
            }
            Directory.CreateDirectory(dir);
            var path = Path.Combine(dir, DefaultNetwork.FileName);
            var temp = path + ".tmp";
            File.WriteAllText(temp, DefaultNetwork.Conflist(_config, _stateRoot));
            File.Move(temp, path, overwrite: true);
            files.Add(path);
        }
        var network = CniNetworkList.Parse(File.ReadAllText(files[0]), files[0]);
        foreach (var plugin in network.Plugins)
        {
            _client.Find(network, plugin); // a missing plugin shows now, not halfway through an ADD
        }
        return network;
    }

    /// <summary>NetworkReady as containerd reports it: false with NetworkPluginNotReady and the loader's error.</summary>
    public NetworkReadiness Readiness()
    {
        if (!Enabled)
        {
            return new(false, "NetworkPluginNotReady", "network.mode is none: pods get loopback only");
        }
        try
        {
            Load();
            return new(true, "", "");
        }
        catch (Exception e) when (e is CniException or IOException or UnauthorizedAccessException)
        {
            return new(false, "NetworkPluginNotReady", $"Network plugin returns error: {e.Message}");
        }
    }

    /// <summary>ADD on <paramref name="netnsPath"/>; returns the pod's addresses (eth0's, IPv4 first). A failure leaves nothing attached and no cache.</summary>
    public IReadOnlyList<string> SetUp(PodNetworkRequest pod, string netnsPath, string cacheFile)
    {
        var network = Load();
        var request = new CniRequest(pod.SandboxId, netnsPath, IfName,
            CniRequest.PodArgs(pod.SandboxId, pod.Name, pod.Namespace, pod.Uid), Capabilities(pod));
        var cache = CniCache.Pending(network, request);
        cache.Write(cacheFile);
        try
        {
            var result = _client.Add(network, request);
            (cache with { Result = result }).Write(cacheFile);
            return CniCache.Addresses(result);
        }
        catch (CniException)
        {
            // Undo what the plugins before the failing one did. ADD gave no result, so a failing
            // DEL is not fatal (containerd sandbox_stop.go): the pod never had a network to leak.
            DelWithoutResult(network, request);
            File.Delete(cacheFile);
            throw;
        }
    }

    /// <summary>DEL with what the cache holds; the netns may be gone (CNI_NETNS empty then). Nothing cached: nothing attached.</summary>
    public void TearDown(string cacheFile, string netnsPath)
    {
        if (CniCache.Read(cacheFile) is not { } cache)
        {
            return;
        }
        var request = cache.Request with { NetnsPath = File.Exists(netnsPath) ? netnsPath : null };
        if (cache.Result is null)
        {
            DelWithoutResult(cache.Network, request); // ADD never finished (a crash mid-setup)
        }
        else
        {
            _client.Del(cache.Network, request, cache.Result);
        }
        File.Delete(cacheFile);
    }

    private void DelWithoutResult(CniNetworkList network, CniRequest request)
    {
        try
        {
            _client.Del(network, request, null);
        }
        catch (CniException)
        {
            // Nothing was attached as far as CNI reported; what a half-done plugin made is its own to clean.
        }
    }

    /// <summary>The pod's addresses from its cache; none when it has no network.</summary>
    public static IReadOnlyList<string> Addresses(string cacheFile) =>
        CniCache.Read(cacheFile)?.Result is { } result ? CniCache.Addresses(result) : [];

    /// <summary>Capability arguments as containerd passes them (sandbox_run.go cniNamespaceOpts): only hostPort mappings, protocol in lower case.</summary>
    internal static Dictionary<string, JsonNode> Capabilities(PodNetworkRequest pod)
    {
        var caps = new Dictionary<string, JsonNode>
        {
            ["io.kubernetes.cri.pod-annotations"] = new JsonObject(pod.Annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))),
        };
        var ports = pod.Ports.Where(p => p.HostPort > 0).Select(p => (JsonNode)new JsonObject
        {
            ["hostPort"] = p.HostPort, ["containerPort"] = p.ContainerPort,
            ["protocol"] = p.Protocol.ToLowerInvariant(), ["hostIP"] = p.HostIp,
        }).ToArray();
        if (ports.Length > 0)
        {
            caps["portMappings"] = new JsonArray(ports);
        }
        if (pod.DnsServers.Count + pod.DnsSearches.Count + pod.DnsOptions.Count > 0)
        {
            caps["dns"] = new JsonObject
            {
                ["servers"] = new JsonArray([.. pod.DnsServers.Select(s => (JsonNode)s)]),
                ["searches"] = new JsonArray([.. pod.DnsSearches.Select(s => (JsonNode)s)]),
                ["options"] = new JsonArray([.. pod.DnsOptions.Select(s => (JsonNode)s)]),
            };
        }
        if (pod.CgroupParent is { Length: > 0 } cgroup)
        {
            caps["cgroupPath"] = cgroup;
        }
        if (Bandwidth(pod.Annotations) is { } bandwidth)
        {
            caps["bandwidth"] = bandwidth;
        }
        return caps;
    }

    /// <summary>
    /// The kubernetes.io/ingress-bandwidth and egress-bandwidth annotations (quantities of bits per
    /// second, "10M") as the bandwidth plugin's runtimeConfig, burst unbounded as containerd passes
    /// it (toCNIBandWidth: math.MaxUint32); null when neither is set.
    /// </summary>
    /// <exception cref="CniException">An annotation that is not a quantity.</exception>
    internal static JsonObject? Bandwidth(IReadOnlyDictionary<string, string> annotations)
    {
        var limits = new JsonObject();
        foreach (var (direction, key) in new[] { ("ingress", "kubernetes.io/ingress-bandwidth"), ("egress", "kubernetes.io/egress-bandwidth") })
        {
            if (annotations.TryGetValue(key, out var text))
            {
                var rate = Logs.LogPolicy.ParseQuantity(text)
                    ?? throw new CniException($"annotation {key}: \"{text}\" is not a quantity of bits per second, such as 10M");
                limits[$"{direction}Rate"] = rate;
                limits[$"{direction}Burst"] = uint.MaxValue;
            }
        }
        return limits.Count > 0 ? limits : null;
    }
}
