using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sublet.Runtime.Network;

/// <summary>
/// One attachment as libcni caches it (libcni/api.go cachedInfo): the network list it was made
/// with, the request (arguments, capability arguments, interface) and, once ADD finished, the
/// result. DEL and CHECK use it, so a changed configuration directory can't leak the old attachment.
/// </summary>
internal sealed record CniCache(CniNetworkList Network, CniRequest Request, JsonNode? Result)
{
    public static CniCache Pending(CniNetworkList network, CniRequest request) => new(network, request, null);

    public void Write(string path)
    {
        var json = new JsonObject
        {
            ["kind"] = "subletCniCacheV1",
            ["file"] = Network.File,
            ["network"] = new JsonObject
            {
                ["cniVersion"] = Network.CniVersion,
                ["name"] = Network.Name,
                ["disableCheck"] = Network.DisableCheck,
                ["plugins"] = new JsonArray([.. Network.Plugins.Select(p => (JsonNode)p.DeepClone())]),
            },
            ["containerId"] = Request.ContainerId,
            ["netns"] = Request.NetnsPath,
            ["ifName"] = Request.IfName,
            ["args"] = new JsonArray([.. Request.Args.Select(a => (JsonNode)new JsonArray(a.Key, a.Value))]),
            ["capabilities"] = new JsonObject(Request.Capabilities.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value.DeepClone()))),
            ["result"] = Result?.DeepClone(),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, json.ToJsonString());
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The cached attachment; null when there is none.</summary>
    /// <exception cref="CniException">The file is not a cache Sublet wrote.</exception>
    public static CniCache? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            var file = json["file"]!.GetValue<string>();
            var network = CniNetworkList.Parse(json["network"]!.ToJsonString(), file);
            var args = json["args"]!.AsArray().Select(a => KeyValuePair.Create(a![0]!.GetValue<string>(), a[1]!.GetValue<string>())).ToList();
            var caps = json["capabilities"]!.AsObject().ToDictionary(c => c.Key, c => c.Value!.DeepClone());
            var request = new CniRequest(json["containerId"]!.GetValue<string>(), json["netns"]?.GetValue<string>(), json["ifName"]!.GetValue<string>(), args, caps);
            return new CniCache(network, request, json["result"]?.DeepClone());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new CniException($"{path}: not a network attachment Sublet recorded: {e.Message}");
        }
    }

    /// <summary>
    /// The pod's addresses from a CNI result (spec "Success": ips[].address in CIDR form): those on
    /// the pod's interface (or on none named), without the prefix length, IPv4 first as the kubelet orders them.
    /// </summary>
    public static IReadOnlyList<string> Addresses(JsonNode? result)
    {
        if (result?["ips"] is not JsonArray ips)
        {
            return [];
        }
        var interfaces = result["interfaces"] as JsonArray;
        var list = new List<System.Net.IPAddress>();
        foreach (var ip in ips.OfType<JsonObject>())
        {
            if (ip["interface"] is JsonValue index && index.TryGetValue<int>(out var i) && interfaces?.ElementAtOrDefault(i)?["name"]?.GetValue<string>() is { } name
                && name != PodNetwork.IfName)
            {
                continue;
            }
            // Not IPNetwork: a host address has bits below its prefix, which IPNetwork refuses.
            if (ip["address"]?.GetValue<string>() is { } cidr && System.Net.IPAddress.TryParse(cidr.Split('/')[0], out var address))
            {
                list.Add(address);
            }
        }
        return [.. list.OrderBy(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 0 : 1).Select(a => a.ToString())];
    }
}
