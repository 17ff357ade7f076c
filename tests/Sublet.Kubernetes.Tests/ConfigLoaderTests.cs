using Sublet.Runtime.Config;

namespace Sublet.Kubernetes.Tests;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly TestDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string File(string yaml)
    {
        var path = _dir["config.yaml"];
        System.IO.File.WriteAllText(path, yaml);
        return path;
    }

    private ConfigException Rejected(string yaml) =>
        Assert.Throws<ConfigException>(() => ConfigLoader.Load(File(yaml)));

    [Fact]
    public void A_missing_default_file_means_defaults()
    {
        var config = ConfigLoader.Load(null, _dir["absent.yaml"]);
        Assert.Equal(new NodeConfig(), config);
        Assert.Equal(("/var/lib/sublet", "/run/sublet", "runc", 65536L, 110), (config.StateRoot, config.RunRoot, config.OciRuntime.Name, config.UserNamespaces.IdsPerPod, config.MaxPods));
    }

    [Fact]
    public void The_default_file_is_read_when_present()
    {
        var path = File("maxPods: 7\n");
        Assert.Equal(7, ConfigLoader.Load(null, path).MaxPods);
    }

    [Fact]
    public void An_explicit_missing_file_is_an_error()
    {
        var missing = _dir["missing.yaml"];
        Assert.Equal($"{missing}: configuration file not found", Assert.Throws<ConfigException>(() => ConfigLoader.Load(missing)).Message);
    }

    [Fact]
    public void CamelCase_keys_are_read()
    {
        var config = ConfigLoader.Load(File("""
            stateRoot: /tmp/s
            runRoot: /tmp/r
            ociRuntime:
              name: crun
              path: /usr/local/bin/crun
            userNamespaces:
              idsPerPod: 131072
            maxPods: 12
            """));

        Assert.Equal("/tmp/s", config.StateRoot);
        Assert.Equal("/tmp/r", config.RunRoot);
        Assert.Equal(new OciRuntimeConfig { Name = "crun", Path = "/usr/local/bin/crun" }, config.OciRuntime);
        Assert.Equal(131072, config.UserNamespaces.IdsPerPod);
        Assert.Equal(12, config.MaxPods);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing set\n")]
    [InlineData("ociRuntime:\n")]
    [InlineData("userNamespaces:\n")]
    [InlineData("ociRuntime: {}\nuserNamespaces: {}\n")]
    public void Empty_files_and_sections_mean_defaults(string yaml) =>
        Assert.Equal(new NodeConfig(), ConfigLoader.Load(File(yaml)));

    [Fact]
    public void Registries_are_read_and_checked()
    {
        var config = ConfigLoader.Load(File("registries: {authFile: /etc/a.json, insecure: [\"10.0.0.5:5000\"], maxConcurrentDownloads: 5}\n"));
        Assert.Equal(("/etc/a.json", "10.0.0.5:5000", 5), (config.Registries.AuthFile, Assert.Single(config.Registries.Insecure), config.Registries.MaxConcurrentDownloads));
        Assert.Equal("/etc/sublet/auth.json", ConfigLoader.Load(File("registries:\n")).Registries.AuthFile);
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(File("registries: {authFile: a.json, insecure: [\"http://x/\"], maxConcurrentDownloads: 0}\n")));
        Assert.Contains("registries.authFile: Invalid value: \"a.json\": must be an absolute path", e.Message);
        Assert.Contains("registries.maxConcurrentDownloads: Invalid value: 0: must be between 1 and 32", e.Message);
        Assert.Contains("registries.insecure[0]: Invalid value: \"http://x/\": must be a registry host[:port]", e.Message);
    }

    [Fact]
    public void Streaming_defaults_to_loopback_and_any_port_and_names_a_bad_value()
    {
        Assert.Equal(("127.0.0.1", 0), (ConfigLoader.Load(File("maxPods: 1\n")).Streaming.Address, ConfigLoader.Load(File("maxPods: 1\n")).Streaming.Port));
        Assert.Equal(10010, ConfigLoader.Load(File("streaming: {address: \"::1\", port: 10010}\n")).Streaming.Port);
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(File("streaming: {address: localhost, port: 70000}\n")));
        Assert.Contains("streaming.address: Invalid value: \"localhost\": must be an IP address", e.Message);
        Assert.Contains("streaming.port: Invalid value: 70000: must be between 0 (any free port) and 65535", e.Message);
    }

    [Fact]
    public void Registry_mirrors_are_read_in_order_and_checked_with_field_paths()
    {
        var config = ConfigLoader.Load(File("""
            registries:
              insecure: [lan.example:5000]
              mirrors:
                registry.k8s.io: [http://127.0.0.1:5000, "https://mirror.example/k8s"]
                gcr.io: [lan.example:5000, http://lan.example:5000]
                docker.io:
            """));
        Assert.Equal(["registry.k8s.io", "gcr.io", "docker.io"], config.Registries.Mirrors!.Keys);
        Assert.Equal(["http://127.0.0.1:5000", "https://mirror.example/k8s"], config.Registries.Mirrors["registry.k8s.io"]);
        Assert.Empty(config.Registries.Mirrors["docker.io"]);
        Assert.Null(ConfigLoader.Load(File("registries: {}\n")).Registries.Mirrors);

        var e = Rejected("""
            registries:
              mirrors:
                gcr.io: [http://mirror.example, "ftp://127.0.0.1"]
                "not a domain": [127.0.0.1:5000]
                registry.k8s.io: [127.0.0.1:5000/Bad]
                Registry.K8s.io: [127.0.0.1:5001]
            """);
        Assert.Contains("registries.mirrors[gcr.io][0]: Invalid value: \"http://mirror.example\": plain HTTP is allowed only for loopback hosts and those in registries.insecure (add \"mirror.example\" there, or use https)", e.Message);
        Assert.Contains("registries.mirrors[gcr.io][1]: Invalid value: \"ftp://127.0.0.1\": unsupported scheme \"ftp\": must be http or https", e.Message);
        Assert.Contains("registries.mirrors[not a domain]: Invalid value: \"not a domain\": must be a registry domain", e.Message);
        Assert.Contains("registries.mirrors[registry.k8s.io][0]: Invalid value: \"127.0.0.1:5000/Bad\": bad namespace component \"Bad\"", e.Message);
        Assert.Contains("registries.mirrors[Registry.K8s.io]: Duplicate value: \"Registry.K8s.io\"", e.Message);
    }

    [Fact]
    public void Keys_left_out_keep_their_defaults()
    {
        var config = ConfigLoader.Load(File("ociRuntime: {path: /opt/runc}\n"));
        Assert.Equal("runc", config.OciRuntime.Name);
        Assert.Equal("/opt/runc", config.OciRuntime.Path);
        Assert.Equal("/var/lib/sublet", config.StateRoot);
    }

    [Fact]
    public void Several_mistakes_are_reported_together()
    {
        var path = File("""
            stateRoot: relative/state
            runRoot: run
            ociRuntime: {name: docker}
            userNamespaces: {idsPerPod: 1000}
            maxPods: 0
            """);

        var message = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path)).Message;

        Assert.Equal(
            $"{path}: stateRoot: Invalid value: \"relative/state\": must be an absolute path; "
            + "runRoot: Invalid value: \"run\": must be an absolute path; "
            + "ociRuntime.name: Unsupported value: \"docker\": supported values: \"runc\", \"crun\"; "
            + "userNamespaces.idsPerPod: Invalid value: 1000: must be a multiple of 65536, at least 65536 and below 2^32; "
            + "maxPods: Invalid value: 0: must be at least 1",
            message);
    }

    [Theory]
    [InlineData(65536L, true)]
    [InlineData(65536L * 256, true)] // larger values pass this check but leave the default pool no room for maxPods (checked at load too)
    [InlineData(0L, false)]
    [InlineData(65535L, false)]
    [InlineData(65536L + 1, false)]
    [InlineData(65536L * 65536, false)] // 2^32
    public void IdsPerPod_is_a_multiple_of_65536_below_2_to_the_32(long ids, bool valid)
    {
        var yaml = $"userNamespaces: {{idsPerPod: {ids}}}\n";
        if (valid)
        {
            Assert.Equal(ids, ConfigLoader.Load(File(yaml)).UserNamespaces.IdsPerPod);
        }
        else
        {
            Assert.Contains("userNamespaces.idsPerPod: Invalid value", Rejected(yaml).Message);
        }
    }

    [Theory]
    [InlineData("stateRoot: /s\nbogus: 1\n", "line 2", "bogus")]
    [InlineData("maxPods: many\n", "line 1", "many")]
    [InlineData("stateRoot: /s\nrunRoot: /r\nociRuntime: runc\n", "line 3", "")]
    public void Unknown_keys_and_bad_yaml_name_the_line(string yaml, string line, string detail)
    {
        var message = Rejected(yaml).Message;
        Assert.StartsWith($"{_dir["config.yaml"]}: {line}: ", message);
        Assert.Contains(detail, message);
    }

    [Theory]
    [InlineData("featureGates: {UserNamespacesSupport: false}", "featureGates: cannot set feature gate UserNamespacesSupport to false, feature is locked to true")]
    [InlineData("clusterDns: [10.96.0.10, dns.local]", "clusterDns[1]: Invalid value: \"dns.local\": must be a valid IP address")]
    [InlineData("resolvConf: etc/resolv.conf", "resolvConf: Invalid value: \"etc/resolv.conf\": must be an absolute path")]
    [InlineData("featureGates: {NoSuchGate: true}", "featureGates: unrecognized feature gate: NoSuchGate")]
    [InlineData("featureGates: {UserNamespacesPodSecurityStandards: true}", "featureGates: unrecognized feature gate: UserNamespacesPodSecurityStandards")] // removed in 1.35
    [InlineData("podSecurity: {defaults: {enforce: strict}}", "podSecurity.defaults.enforce: Unsupported value: \"strict\": supported values: \"privileged\", \"baseline\", \"restricted\"")]
    [InlineData("podSecurity: {defaults: {warnVersion: \"1.30\"}}", "podSecurity.defaults.warnVersion: Invalid value: \"1.30\": must be \"latest\" or \"v1.x\"")]
    [InlineData("podSecurity: {auditLog: audit.log}", "podSecurity.auditLog: Invalid value: \"audit.log\": must be an absolute path")]
    [InlineData("ociRuntime: {path: runc}", "ociRuntime.path: Invalid value: \"runc\": must be an absolute path")]
    [InlineData("rootfs: {userNamespaceMode: copy}", "rootfs.userNamespaceMode: Unsupported value: \"copy\": supported values: \"idmap\", \"idmapOrChownCopy\", \"chownCopy\"")]
    [InlineData("userNamespaces: {hostPathIdmap: none}", "userNamespaces.hostPathIdmap: Unsupported value: \"none\": supported values: \"host\", \"pod\"")]
    public void Gates_and_pod_security_defaults_are_checked(string yaml, string problem) =>
        Assert.Equal($"{_dir["config.yaml"]}: {problem}", Rejected(yaml + "\n").Message);

    [Theory]
    [InlineData("", "idmap")]
    [InlineData("rootfs:\n", "idmap")]
    [InlineData("rootfs: {userNamespaceMode: idmapOrChownCopy}\n", "idmapOrChownCopy")]
    [InlineData("rootfs: {userNamespaceMode: chownCopy}\n", "chownCopy")]
    public void The_rootfs_mode_defaults_to_idmap(string yaml, string mode) =>
        Assert.Equal(mode, ConfigLoader.Load(File(yaml)).Rootfs.UserNamespaceMode);

    [Theory]
    [InlineData("", "host")]
    [InlineData("userNamespaces: {idsPerPod: 131072}\n", "host")]
    [InlineData("userNamespaces: {hostPathIdmap: pod}\n", "pod")]
    public void HostPaths_are_idmapped_to_host_IDs_unless_the_node_says_pod(string yaml, string mode) =>
        Assert.Equal(mode, ConfigLoader.Load(File(yaml)).UserNamespaces.HostPathIdmap);

    [Fact]
    public void Gates_default_as_in_1_36_and_alpha_gates_can_be_turned_on()
    {
        var config = ConfigLoader.Load(File("featureGates: {UserNamespacesHostNetworkSupport: true, UserNamespacesSupport: true}\n"));
        var gates = ConfigLoader.Gates(config);
        Assert.True(gates.Enabled(FeatureGates.UserNamespacesHostNetworkSupport));
        Assert.True(gates.Enabled(FeatureGates.UserNamespacesSupport));
        Assert.False(FeatureGates.Default.Enabled(FeatureGates.UserNamespacesHostNetworkSupport));
    }

    [Fact]
    public void Five_mistakes_are_five_problems()
    {
        var message = Rejected("""
            runRoot: run
            userNamespaces: {idsPerPod: 100000}
            featureGates: {UserNamespacesSupport: false, Bogus: true}
            podSecurity:
              defaults: {enforce: tight}
            """).Message;
        Assert.Equal(5, message.Split("; ").Length);
    }

    [Fact]
    public void The_host_range_checks_of_the_kubelet_run_at_load()
    {
        System.IO.File.WriteAllText(_dir["subuid"], "kubelet:65536:65536\n");
        System.IO.File.WriteAllText(_dir["subgid"], "kubelet:65536:65536\n");
        var message = Rejected($"subUidPath: {_dir["subuid"]}\nsubGidPath: {_dir["subgid"]}\nmaxPods: 2\n").Message;
        Assert.Contains("userNamespaces: ", message);
        Assert.Contains("2 pods", message);
    }

    [Theory]
    [InlineData("maxPods: \"5\"\n", "line 1: maxPods: invalid value \"5\": the value could not be converted to integer.")] // quoted: a string
    [InlineData("maxPods: 1.5\n", "line 1: maxPods: invalid value \"1.5\": the value could not be converted to integer.")]
    [InlineData("maxPods: 4294967296\n", "line 1: maxPods: invalid value \"4294967296\": the value could not be converted to integer.")]
    [InlineData("network:\n  writeDefault: maybe\n", "line 2: network.writeDefault: invalid value \"maybe\": the value could not be converted to boolean.")]
    [InlineData("registries:\n  insecure: lan:5000\n", "line 2: registries.insecure: invalid value \"lan:5000\": the value could not be converted to a list of strings.")]
    [InlineData("clusterDns: [10.0.0.1, [10.0.0.2]]\n", "line 1: clusterDns[1]: invalid value: the value could not be converted to string.")]
    [InlineData("podSecurity:\n  defaults:\n    enforce: baseline\n    strict: true\n", "line 4: podSecurity.defaults: unknown field 'strict'")]
    [InlineData("featureGates: {UserNamespacesSupport: yes}\n", "line 1: featureGates[UserNamespacesSupport]: invalid value \"yes\": the value could not be converted to boolean.")] // YAML 1.2: yes is a string
    [InlineData("- stateRoot: /s\n", "line 1: the configuration must be a mapping of fields")]
    public void A_value_of_the_wrong_type_names_its_line_and_field(string yaml, string error) =>
        Assert.Equal($"{_dir["config.yaml"]}: {error}", Rejected(yaml).Message);

    [Fact]
    public void Scalars_are_typed_as_Kubernetes_reads_YAML_and_merge_keys_apply()
    {
        var config = ConfigLoader.Load(File("""
            maxPods: 0x10
            restartBackoffSeconds: 2.5
            clusterDomain: 1234
            allowedUnsafeSysctls: [net.ipv4.ip_forward, ~]
            network: {mode: none, writeDefault: False, pluginTimeoutSeconds: 7}
            registries:
              caFiles: {"lan.example:5000": /etc/ca.pem}
              mirrors: {docker.io: ~}
            ociRuntime:
              <<: {name: crun, path: /opt/crun}
              path: /usr/local/bin/crun
            """));

        Assert.Equal((16, 2.5, "1234"), (config.MaxPods, config.RestartBackoffSeconds, config.ClusterDomain));
        Assert.Equal(["net.ipv4.ip_forward", ""], config.AllowedUnsafeSysctls);
        Assert.Equal((NetworkConfig.None, false, 7), (config.Network.Mode, config.Network.WriteDefault, config.Network.PluginTimeoutSeconds));
        Assert.Equal(["/usr/lib/cni", "/opt/cni/bin"], config.Network.PluginDirs);
        Assert.Equal("/etc/ca.pem", config.Registries.CaFiles!["lan.example:5000"]);
        Assert.Empty(config.Registries.Mirrors!["docker.io"]);
        Assert.Equal(new OciRuntimeConfig { Name = "crun", Path = "/usr/local/bin/crun" }, config.OciRuntime);
    }
}
