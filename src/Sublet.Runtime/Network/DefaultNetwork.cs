using System.Net;
using System.Text.Json.Nodes;
using Sublet.Runtime.Config;

namespace Sublet.Runtime.Network;

/// <summary>
/// The network a new node gets with no CNI knowledge (issue 21 item 3): a bridge with host-local
/// addresses, masquerade and a route out, and portmap for hostPort (also on 127.0.0.1, which
/// critest's host-port spec uses). host-local keeps its leases under Sublet's state root, so a
/// second state root is a second, separate node.
/// </summary>
public static class DefaultNetwork
{
    public const string Name = "sublet";
    public const string FileName = "10-sublet.conflist";

    public static string Conflist(NetworkConfig config, string stateRoot)
    {
        var list = new JsonObject
        {
            ["cniVersion"] = "1.0.0",
            ["name"] = Name,
            ["plugins"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "bridge",
                    ["bridge"] = config.Bridge,
                    ["isGateway"] = true,
                    ["ipMasq"] = true,
                    ["hairpinMode"] = true,
                    ["ipam"] = new JsonObject
                    {
                        ["type"] = "host-local",
                        ["ranges"] = new JsonArray(new JsonArray(new JsonObject { ["subnet"] = config.Subnet })),
                        ["routes"] = new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0" }),
                        ["dataDir"] = Path.Combine(stateRoot, "cni", "networks"),
                    },
                },
                new JsonObject
                {
                    ["type"] = "portmap",
                    ["capabilities"] = new JsonObject { ["portMappings"] = true },
                }),
        };
        return list.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Problems of the <c>network</c> section, in the API's field form.</summary>
    public static List<string> Problems(NetworkConfig config)
    {
        var problems = new List<string>();
        if (!NetworkConfig.Modes.Contains(config.Mode))
        {
            problems.Add($"network.mode: Unsupported value: \"{config.Mode}\": supported values: {string.Join(", ", NetworkConfig.Modes.Select(m => $"\"{m}\""))}");
        }
        if (!Path.IsPathFullyQualified(config.ConfDir))
        {
            problems.Add($"network.confDir: Invalid value: \"{config.ConfDir}\": must be an absolute path");
        }
        for (var i = 0; i < config.PluginDirs.Length; i++)
        {
            if (config.PluginDirs[i] is not { } dir || !Path.IsPathFullyQualified(dir))
            {
                problems.Add($"network.pluginDirs[{i}]: Invalid value: \"{config.PluginDirs[i]}\": must be an absolute path");
            }
        }
        if (config.PluginDirs.Length == 0)
        {
            problems.Add("network.pluginDirs: Required value: at least one directory of CNI plugins");
        }
        // IFNAMSIZ is 16 with the NUL (netdevice(7)); '/' and white space can't be in a name.
        if (config.Bridge.Length is 0 or > 15 || config.Bridge.Any(c => c == '/' || char.IsWhiteSpace(c)) || config.Bridge is "." or "..")
        {
            problems.Add($"network.bridge: Invalid value: \"{config.Bridge}\": must be an interface name of 1 to 15 characters without '/' or spaces");
        }
        if (!IPNetwork.TryParse(config.Subnet, out var subnet) || subnet.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || subnet.PrefixLength > 30)
        {
            problems.Add($"network.subnet: Invalid value: \"{config.Subnet}\": must be an IPv4 network in CIDR form with room for pods, such as 10.87.0.0/16");
        }
        if (config.PluginTimeoutSeconds is < 1 or > 600)
        {
            problems.Add($"network.pluginTimeoutSeconds: Invalid value: {config.PluginTimeoutSeconds}: must be between 1 and 600");
        }
        return problems;
    }
}
