using System.Text.Json.Nodes;
using Sublet.Runtime.Config;
using Sublet.Runtime.Network;

namespace Sublet.Runtime.Tests;

/// <summary>The CNI client against the spec (1.0.0) with a recording fake in place of plugin binaries.</summary>
public sealed class CniTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sublet-cni-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class FakeExec : ICniExec
    {
        public List<(string Plugin, string Command, JsonObject Config, IReadOnlyDictionary<string, string> Env)> Calls { get; } = [];
        public Func<string, string, ProcessResult> Answer { get; set; } = (plugin, command) =>
            new(0, command == "ADD" ? $$"""{"cniVersion":"1.0.0","ips":[{"address":"10.1.0.{{plugin.Length}}/24","interface":0}],"interfaces":[{"name":"eth0"}]}""" : "", "");

        public ProcessResult Run(string binary, IReadOnlyDictionary<string, string> env, string stdin, TimeSpan timeout)
        {
            var plugin = Path.GetFileName(binary);
            Calls.Add((plugin, env["CNI_COMMAND"], JsonNode.Parse(stdin)!.AsObject(), env));
            return Answer(plugin, env["CNI_COMMAND"]);
        }
    }

    private const string TwoPlugins = """
        {"cniVersion": "1.0.0", "name": "net", "plugins": [
          {"type": "bridge", "bridge": "b0", "ipam": {"type": "host-local"}},
          {"type": "portmap", "capabilities": {"portMappings": true, "bandwidth": false}, "snat": true}
        ]}
        """;

    private (CniClient Client, FakeExec Exec) Client()
    {
        foreach (var plugin in new[] { "bridge", "portmap" })
        {
            File.WriteAllText(Path.Combine(_dir, plugin), "");
        }
        var exec = new FakeExec();
        return (new CniClient(exec, [_dir], TimeSpan.FromSeconds(5)), exec);
    }

    private static CniRequest Request(Dictionary<string, JsonNode>? caps = null) =>
        new("sb1", "/run/netns/x", "eth0", CniRequest.PodArgs("sb1", "web", "default", "u1"), caps ?? []);

    [Fact]
    public void Add_runs_plugins_in_order_passing_each_the_previous_result_and_del_runs_them_last_first_with_the_add_result()
    {
        var (client, exec) = Client();
        var network = CniNetworkList.Parse(TwoPlugins, "/etc/cni/net.d/10.conflist");
        var result = client.Add(network, Request());
        client.Del(network, Request(), result);

        Assert.Equal(["bridge ADD", "portmap ADD", "portmap DEL", "bridge DEL"], exec.Calls.Select(c => $"{c.Plugin} {c.Command}"));
        Assert.Null(exec.Calls[0].Config["prevResult"]);
        Assert.Equal("10.1.0.6/24", exec.Calls[1].Config["prevResult"]!["ips"]![0]!["address"]!.GetValue<string>()); // bridge's
        Assert.All(exec.Calls.Skip(2), c => Assert.Equal("10.1.0.7/24", c.Config["prevResult"]!["ips"]![0]!["address"]!.GetValue<string>())); // the final result
        Assert.All(exec.Calls, c => Assert.Equal(("net", "1.0.0"), (c.Config["name"]!.GetValue<string>(), c.Config["cniVersion"]!.GetValue<string>())));
        var env = exec.Calls[0].Env;
        Assert.Equal("IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=sb1;K8S_POD_UID=u1", env["CNI_ARGS"]);
        Assert.Equal(("sb1", "/run/netns/x", "eth0", _dir), (env["CNI_CONTAINERID"], env["CNI_NETNS"], env["CNI_IFNAME"], env["CNI_PATH"]));
    }

    [Fact]
    public void Capability_arguments_reach_only_plugins_that_declare_them_as_runtimeConfig_and_capabilities_are_removed()
    {
        var network = CniNetworkList.Parse(TwoPlugins, "f");
        var ports = new JsonArray(new JsonObject { ["hostPort"] = 8080, ["containerPort"] = 80, ["protocol"] = "tcp", ["hostIP"] = "" });
        var request = Request(new() { ["portMappings"] = ports, ["bandwidth"] = new JsonObject(), ["dns"] = new JsonObject() });

        var bridge = request.PluginConfig(network, network.Plugins[0], null);
        var portmap = request.PluginConfig(network, network.Plugins[1], null);

        Assert.Null(bridge["runtimeConfig"]);
        Assert.Equal("""{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":""}]}""", portmap["runtimeConfig"]!.ToJsonString());
        Assert.Null(portmap["capabilities"]);
        Assert.True(portmap["snat"]!.GetValue<bool>()); // unknown keys are kept
    }

    [Fact]
    public void Only_host_ports_become_port_mappings_and_dns_and_cgroup_parent_are_offered()
    {
        var pod = new PodNetworkRequest("sb", "web", "ns", "u", [new("TCP", 80, 0, ""), new("UDP", 53, 5353, "127.0.0.1")],
            ["10.0.0.10"], ["svc.local"], ["ndots:5"], new Dictionary<string, string> { ["a"] = "b" }, "/kubepods/pod1");
        var caps = PodNetwork.Capabilities(pod);
        Assert.Equal("""[{"hostPort":5353,"containerPort":53,"protocol":"udp","hostIP":"127.0.0.1"}]""", caps["portMappings"].ToJsonString());
        Assert.Equal("""{"servers":["10.0.0.10"],"searches":["svc.local"],"options":["ndots:5"]}""", caps["dns"].ToJsonString());
        Assert.Equal("/kubepods/pod1", caps["cgroupPath"].GetValue<string>());
        Assert.Equal("""{"a":"b"}""", caps["io.kubernetes.cri.pod-annotations"].ToJsonString());
    }

    [Fact]
    public void Bandwidth_annotations_become_the_bandwidth_capability_in_bits_per_second()
    {
        Assert.Null(PodNetwork.Bandwidth(new Dictionary<string, string>()));
        var both = PodNetwork.Bandwidth(new Dictionary<string, string> { ["kubernetes.io/ingress-bandwidth"] = "10M", ["kubernetes.io/egress-bandwidth"] = "1k" });
        Assert.Equal("{\"ingressRate\":10000000,\"ingressBurst\":4294967295,\"egressRate\":1000,\"egressBurst\":4294967295}", both!.ToJsonString());
        var e = Assert.Throws<CniException>(() => PodNetwork.Bandwidth(new Dictionary<string, string> { ["kubernetes.io/egress-bandwidth"] = "fast" }));
        Assert.Equal("annotation kubernetes.io/egress-bandwidth: \"fast\" is not a quantity of bits per second, such as 10M", e.Message);
    }

    [Fact]
    public void A_plugin_error_names_network_file_plugin_code_and_message_and_stops_the_add()
    {
        var (client, exec) = Client();
        exec.Answer = (plugin, _) => new(1, """{"cniVersion":"1.0.0","code":7,"msg":"invalid config","details":"no bridge name"}""", "");
        var network = CniNetworkList.Parse(TwoPlugins, "/etc/cni/net.d/10.conflist");
        var e = Assert.Throws<CniException>(() => client.Add(network, Request()));
        Assert.Equal("network \"net\" (/etc/cni/net.d/10.conflist): plugin bridge ADD failed with code 7: invalid config (no bridge name)", e.Message);
        Assert.Equal(7, e.Code);
        Assert.Single(exec.Calls);
    }

    [Fact]
    public void Del_asks_every_plugin_even_after_one_fails_then_reports_the_first_failure()
    {
        var (client, exec) = Client();
        exec.Answer = (plugin, _) => plugin == "portmap" ? new(1, "", "iptables: not found") : new(0, "", "");
        var e = Assert.Throws<CniException>(() => client.Del(CniNetworkList.Parse(TwoPlugins, "f"), Request(), null));
        Assert.Contains("plugin portmap DEL failed with exit code 1: iptables: not found", e.Message);
        Assert.Equal(["portmap", "bridge"], exec.Calls.Select(c => c.Plugin));
    }

    [Fact]
    public void A_missing_plugin_is_named_with_the_directories_searched()
    {
        var exec = new FakeExec();
        var client = new CniClient(exec, [_dir, "/nonexistent"], TimeSpan.FromSeconds(1));
        var e = Assert.Throws<CniException>(() => client.Add(CniNetworkList.Parse(TwoPlugins, "/c/10.conflist"), Request()));
        Assert.Contains($"network \"net\" (/c/10.conflist): plugin \"bridge\" not found in {_dir}:/nonexistent", e.Message);
        Assert.Empty(exec.Calls);
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("[]", "not a JSON object")]
    [InlineData("""{"cniVersion": "1.0.0", "plugins": [{"type": "bridge"}]}""", "\"name\" must be a non-empty string")]
    [InlineData("""{"cniVersion": "1.0.0", "name": "n", "plugins": []}""", "\"plugins\" must be a non-empty list")]
    [InlineData("""{"cniVersion": "1.0.0", "name": "n", "plugins": [{"type": ""}]}""", "plugins[0]: \"type\" must be a non-empty string")]
    [InlineData("""{"cniVersion": "1.0.0", "name": "n", "plugins": [{"type": "bridge"}, {"bridge": "x"}]}""", "plugins[1]: \"type\" must be a non-empty string")]
    public void Malformed_configuration_lists_are_refused_naming_the_file(string json, string problem)
    {
        var e = Assert.Throws<CniException>(() => CniNetworkList.Parse(json, "/etc/cni/net.d/bad.conflist"));
        Assert.StartsWith($"CNI network configuration /etc/cni/net.d/bad.conflist: {problem}", e.Message);
    }

    [Fact]
    public void A_single_plugin_conf_reads_as_a_list_of_one()
    {
        var network = CniNetworkList.Parse("""{"cniVersion": "0.4.0", "name": "one", "type": "bridge"}""", "f.conf");
        Assert.Equal(("one", "0.4.0", "bridge"), (network.Name, network.CniVersion, CniNetworkList.TypeOf(Assert.Single(network.Plugins))));
    }

    [Fact]
    public void The_first_file_in_lexical_order_is_the_pod_network_and_an_empty_directory_gets_the_default()
    {
        var conf = Path.Combine(_dir, "net.d");
        var config = new NetworkConfig { ConfDir = conf, PluginDirs = ["/usr/lib/cni"], Bridge = "br-test", Subnet = "10.9.0.0/24" };
        var written = new PodNetwork(config, "/var/lib/x", new FakeExec()).Load();
        Assert.Equal((DefaultNetwork.Name, Path.Combine(conf, DefaultNetwork.FileName)), (written.Name, written.File));
        Assert.Equal(["bridge", "portmap"], written.Plugins.Select(CniNetworkList.TypeOf));
        Assert.Equal("br-test", written.Plugins[0]["bridge"]!.GetValue<string>());
        Assert.Equal("/var/lib/x/cni/networks", written.Plugins[0]["ipam"]!["dataDir"]!.GetValue<string>());

        File.WriteAllText(Path.Combine(conf, "05-first.conflist"), """{"cniVersion": "1.0.0", "name": "first", "plugins": [{"type": "bridge"}]}""");
        File.WriteAllText(Path.Combine(conf, "01-ignored.txt"), "not a network");
        Assert.Equal("first", new PodNetwork(config, "/var/lib/x", new FakeExec()).Load().Name);

        var none = new PodNetwork(config with { ConfDir = Path.Combine(_dir, "empty"), WriteDefault = false }, "/s", new FakeExec()).Readiness();
        Assert.Equal((false, "NetworkPluginNotReady"), (none.Ready, none.Reason));
        Assert.Contains("no network configuration found in", none.Message);
    }

    [Fact]
    public void Addresses_come_from_the_pod_interface_ipv4_first_without_prefix()
    {
        var result = JsonNode.Parse("""
            {"interfaces": [{"name": "cni0"}, {"name": "veth1"}, {"name": "eth0", "sandbox": "/run/netns/x"}],
             "ips": [{"address": "fd00::5/64", "interface": 2}, {"address": "10.0.0.1/24", "interface": 0}, {"address": "10.0.0.5/24", "interface": 2}]}
            """);
        Assert.Equal(["10.0.0.5", "fd00::5"], CniCache.Addresses(result));
        Assert.Empty(CniCache.Addresses(null));
    }

    [Theory]
    [InlineData("mode: host", "network.mode: Unsupported value: \"host\"")]
    [InlineData("bridge: this-name-is-too-long", "network.bridge: Invalid value")]
    [InlineData("subnet: 10.0.0.0/31", "network.subnet: Invalid value")]
    [InlineData("subnet: fd00::/64", "network.subnet: Invalid value")]
    [InlineData("confDir: relative", "network.confDir: Invalid value")]
    [InlineData("timeout: 0", "network.pluginTimeoutSeconds: Invalid value: 0")]
    public void Bad_network_settings_are_named_by_field(string setting, string problem)
    {
        var config = setting.Split(": ") switch
        {
            ["mode", var v] => new NetworkConfig { Mode = v },
            ["bridge", var v] => new NetworkConfig { Bridge = v },
            ["subnet", var v] => new NetworkConfig { Subnet = v },
            ["confDir", var v] => new NetworkConfig { ConfDir = v },
            _ => new NetworkConfig { PluginTimeoutSeconds = 0 },
        };
        Assert.Contains(DefaultNetwork.Problems(config), p => p.StartsWith(problem, StringComparison.Ordinal));
        Assert.Empty(DefaultNetwork.Problems(new NetworkConfig()));
    }
}
