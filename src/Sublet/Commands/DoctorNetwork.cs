using Sublet.Runtime.Config;
using Sublet.Runtime.Network;

namespace Sublet.Cli.Commands;

/// <summary>
/// doctor's pod-network rows (issue 21 item 3): the network list pods will get, its plugins, and
/// forwarding. Reads only: the default list is written by the first pod, not by doctor.
/// </summary>
internal static class DoctorNetwork
{
    public static IEnumerable<DoctorCheck> Checks(NetworkConfig config, IDoctorHost host)
    {
        if (config.Mode == NetworkConfig.None)
        {
            yield return new("network", CheckStatus.Warn, "network.mode is none: pods get loopback only, and CRI Status reports NetworkReady false",
                "set network.mode: cni (the default)");
            yield break;
        }
        var files = CniNetworkList.ConfigFiles(host.Files(config.ConfDir));
        IReadOnlyList<string> types;
        if (files.Count == 0)
        {
            if (!config.WriteDefault)
            {
                yield return new("network", CheckStatus.Fail, $"no network configuration in {config.ConfDir}, and network.writeDefault is off: pods can't start",
                    $"put a CNI conflist in {config.ConfDir}, or set network.writeDefault: true");
                yield break;
            }
            yield return new("network", CheckStatus.Pass,
                $"no configuration in {config.ConfDir} yet: the first pod writes {DefaultNetwork.FileName} (bridge {config.Bridge}, subnet {config.Subnet}, portmap)");
            types = ["bridge", "host-local", "portmap"];
        }
        else
        {
            var (network, problem) = Parse(host.ReadFile(files[0]) ?? "", files[0]);
            if (network is null)
            {
                yield return new("network", CheckStatus.Fail, problem!, $"fix or remove {files[0]}: the first file in lexical order is the pod network");
                yield break;
            }
            yield return new("network", CheckStatus.Pass, $"network \"{network.Name}\" from {files[0]} ({string.Join(", ", network.Plugins.Select(CniNetworkList.TypeOf))})");
            types = [.. network.Plugins.Select(CniNetworkList.TypeOf), .. network.Plugins.Select(p => p["ipam"]?["type"]?.GetValue<string>()).OfType<string>()];
        }
        var missing = types.Distinct().Where(t => !config.PluginDirs.Any(d => host.Find(Path.Combine(d, t)) is not null)).ToList();
        yield return missing.Count == 0
            ? new("network plugins", CheckStatus.Pass, $"{string.Join(", ", types.Distinct())} in {string.Join(":", config.PluginDirs)}")
            : new("network plugins", CheckStatus.Fail, $"{string.Join(", ", missing)} not found in {string.Join(":", config.PluginDirs)}",
                "apt-get install containernetworking-plugins, or set network.pluginDirs");
        yield return host.Find("iptables") is not null
            ? new("iptables", CheckStatus.Pass, "iptables found (bridge masquerade, portmap)")
            : new("iptables", CheckStatus.Fail, "iptables not found: bridge's ipMasq and portmap need it", "apt-get install iptables");
        yield return host.ReadFile("/proc/sys/net/ipv4/ip_forward")?.Trim() == "1"
            ? new("ip forwarding", CheckStatus.Pass, "net.ipv4.ip_forward = 1")
            : new("ip forwarding", CheckStatus.Warn, "net.ipv4.ip_forward = 0: pods reach only this node until a gateway bridge plugin turns it on",
                "sysctl -w net.ipv4.ip_forward=1");
    }

    private static (CniNetworkList? Network, string? Problem) Parse(string json, string file)
    {
        try
        {
            return (CniNetworkList.Parse(json, file), null);
        }
        catch (CniException e)
        {
            return (null, e.Message);
        }
    }
}
