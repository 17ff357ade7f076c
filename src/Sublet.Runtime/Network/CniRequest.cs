using System.Text.Json.Nodes;

namespace Sublet.Runtime.Network;

/// <summary>One pod's attachment to a network: what every plugin call for it carries (CNI spec "Parameters").</summary>
/// <param name="ContainerId">CNI_CONTAINERID: the sandbox ID, as containerd and CRI-O pass it.</param>
/// <param name="NetnsPath">CNI_NETNS; null for a DEL after the namespace is gone (spec: DEL may omit it).</param>
/// <param name="IfName">CNI_IFNAME: <c>eth0</c> for the default network.</param>
/// <param name="Args">CNI_ARGS pairs, in order.</param>
/// <param name="Capabilities">Capability arguments offered to plugins that declare them (portMappings, dns, cgroupPath, …).</param>
public sealed record CniRequest(string ContainerId, string? NetnsPath, string IfName,
    IReadOnlyList<KeyValuePair<string, string>> Args, IReadOnlyDictionary<string, JsonNode> Capabilities)
{
    /// <summary>CNI_ARGS as containerd and CRI-O pass them for a pod (cniNamespaceOpts, ocicni).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> PodArgs(string sandboxId, string name, string ns, string uid) =>
    [
        new("IgnoreUnknown", "1"), new("K8S_POD_NAMESPACE", ns), new("K8S_POD_NAME", name),
        new("K8S_POD_INFRA_CONTAINER_ID", sandboxId), new("K8S_POD_UID", uid),
    ];

    /// <summary>
    /// The configuration one plugin gets on stdin (CNI spec "Deriving execution configuration from
    /// plugin configuration"): its own object with the list's <c>cniVersion</c> and <c>name</c>,
    /// <c>runtimeConfig</c> holding the capability arguments it declared and the runtime has,
    /// <c>capabilities</c> removed, and the previous result when there is one.
    /// </summary>
    public JsonObject PluginConfig(CniNetworkList network, JsonObject plugin, JsonNode? prevResult)
    {
        var config = (JsonObject)plugin.DeepClone();
        config["cniVersion"] = network.CniVersion;
        config["name"] = network.Name;
        if (config["capabilities"] is JsonObject declared)
        {
            var runtimeConfig = new JsonObject();
            foreach (var (key, on) in declared)
            {
                if (on is JsonValue v && v.TryGetValue<bool>(out var enabled) && enabled && Capabilities.TryGetValue(key, out var value))
                {
                    runtimeConfig[key] = value.DeepClone();
                }
            }
            if (runtimeConfig.Count > 0)
            {
                config["runtimeConfig"] = runtimeConfig;
            }
        }
        config.Remove("capabilities");
        if (prevResult is not null)
        {
            config["prevResult"] = prevResult.DeepClone();
        }
        return config;
    }

    /// <summary>The environment of one plugin call (CNI spec "Parameters"); PATH is kept so bridge and portmap find iptables.</summary>
    public Dictionary<string, string> Environment(string command, IReadOnlyList<string> pluginDirs) => new()
    {
        ["CNI_COMMAND"] = command,
        ["CNI_CONTAINERID"] = ContainerId,
        ["CNI_NETNS"] = NetnsPath ?? "",
        ["CNI_IFNAME"] = IfName,
        ["CNI_ARGS"] = string.Join(';', Args.Select(a => $"{a.Key}={a.Value}")),
        ["CNI_PATH"] = string.Join(':', pluginDirs),
    };
}
