using Grpc.Core;
using Sublet.Cri.Api;

namespace Sublet.Integration.Tests;

/// <summary>
/// Pod networking over CRI (issue 21): Sublet's default bridge network, inside a network namespace
/// each test makes (<see cref="SubletEnv"/> podNetwork), so addresses, the bridge and iptables
/// rules exist only there. Two pods reach each other, a hostPort answers on 127.0.0.1, the pod's
/// network namespace belongs to its user namespace, and every failure leaves nothing behind.
/// </summary>
public sealed class CriNetworkTests
{
    private const string Demo = "localhost/busybox:demo";

    [Fact]
    public void Two_user_namespaced_pods_reach_each_other_and_a_host_port_reaches_one_through_127_0_0_1()
    {
        using var env = new SubletEnv("maxPods: 2", podNetwork: true);
        env.LoadDemoImage();
        var pool = (uint)env.UsePrivatePool(2);
        using var server = CriServer.Start(env);
        var rt = server.Runtime;
        var ready = rt.Status(new StatusRequest()).Status.Conditions.Single(c => c.Type == "NetworkReady");
        Assert.True(ready.Status, $"{ready.Reason}: {ready.Message}");

        var web = RunPod(rt, env, "web", pool, port: (80, 12080));
        var client = RunPod(rt, env, "client", pool + 65536, port: null);
        var webIp = rt.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = web.Sandbox }).Status.Network.Ip;
        var clientIp = rt.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = client.Sandbox }).Status.Network.Ip;
        Assert.StartsWith("10.87.", webIp);
        Assert.StartsWith("10.87.", clientIp);
        Assert.NotEqual(webIp, clientIp);

        // Pod to pod by address (busybox httpd in "web" serves /tmp/www/index.html). nc, not wget:
        // static busybox's wget crashes in an image without glibc's NSS modules.
        var fetched = Exec(rt, client.Container, "sh", "-c", $"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 10 {webIp} 80");
        Assert.EndsWith("\r\n\r\nhello from web\n", fetched);
        // A host port on 127.0.0.1 of the node (portmap's localhost DNAT), from the node's namespace.
        var viaHost = env.InNetns("sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 10 127.0.0.1 12080");
        Assert.True(viaHost.ExitCode == 0, viaHost.ToString());
        Assert.EndsWith("\r\n\r\nhello from web\n", viaHost.Stdout);

        // The pod's root manages its own interfaces (NET_ADMIN counts in the pod's user namespace,
        // which owns the network namespace), and sees none of the node's.
        Assert.Equal("", Exec(rt, client.Container, "ip", "link", "set", "lo", "mtu", "1400"));
        var links = Exec(rt, client.Container, "ip", "-o", "link");
        Assert.Contains("mtu 1400", links);
        Assert.Equal(["eth0", "lo"], links.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':')[1].Trim().Split('@')[0]).Order());
        // NS_GET_USERNS of the pod's network namespace (lsns ONS) is the pod's user namespace.
        var pid = HostPid(rt, client.Container);
        var owner = OwningUserNamespace("net", pid);
        Assert.Equal($"user:[{owner}]", new FileInfo($"/proc/{pid}/ns/user").LinkTarget);
        // Its uts and ipc namespaces are the ones pinned under the run root before the pause started
        // (issue 21 item 1), owned by the pod's user namespace too.
        foreach (var kind in new[] { "uts", "ipc" })
        {
            var pin = Path.Combine(env.RunRoot, "netns", client.Sandbox, kind);
            Assert.Equal(Sublet.Linux.Namespaces.NamespaceMembers.Identity(pin, kind), new FileInfo($"/proc/{pid}/ns/{kind}").LinkTarget);
            Assert.Equal(owner, OwningUserNamespace(kind, pid));
        }
        Assert.Equal("client", Exec(rt, client.Container, "hostname").Trim());

        foreach (var pod in new[] { web, client })
        {
            rt.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = pod.Sandbox });
            rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = pod.Sandbox });
        }
        env.AssertNoLeftovers();
    }

    [Theory]
    [InlineData("malformed", "not valid JSON")]
    [InlineData("missing plugin", "plugin \"no-such-plugin\" not found")]
    [InlineData("failing plugin", "failed with code 11: no addresses left (pool 10.99.0.0/30)")]
    [InlineData("hanging plugin", "did not finish within 2 s and was killed")]
    public void A_network_that_fails_fails_the_sandbox_naming_file_and_plugin_and_leaves_nothing(string kind, string message)
    {
        var plugins = Directory.CreateTempSubdirectory("sublet-cni-").FullName;
        try
        {
            using var env = new SubletEnv("maxPods: 1", podNetwork: true, network: $"pluginDirs: [{plugins}, /usr/lib/cni]\npluginTimeoutSeconds: 2");
            env.LoadDemoImage();
            var conf = Path.Combine(env.Root, "net.d");
            Directory.CreateDirectory(conf);
            var file = Path.Combine(conf, "05-test.conflist");
            File.WriteAllText(file, kind switch
            {
                "malformed" => "{\"cniVersion\": \"1.0.0\", \"name\": ",
                "missing plugin" => Conflist("no-such-plugin"),
                _ => Conflist("fake"),
            });
            File.WriteAllText(Path.Combine(plugins, "fake"), kind == "hanging plugin"
                ? "#!/bin/sh\nexec sleep 600\n"
                : "#!/bin/sh\ncat >/dev/null\necho '{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"no addresses left\",\"details\":\"pool 10.99.0.0/30\"}'\nexit 1\n");
            File.SetUnixFileMode(Path.Combine(plugins, "fake"), (UnixFileMode)0b111_101_101);
            var hostId = (uint)env.UsePrivatePool(1);
            using var server = CriServer.Start(env);
            var rt = server.Runtime;

            var e = Assert.Throws<RpcException>(() => rt.RunPodSandbox(new RunPodSandboxRequest { Config = Cri.Sandbox("bad", null, Cri.PodUserns(hostId, 65536)) }));
            Assert.Contains(message, e.Status.Detail);
            Assert.Contains(file, e.Status.Detail);
            var ready = rt.Status(new StatusRequest()).Status.Conditions.Single(c => c.Type == "NetworkReady");
            Assert.Equal(kind is "malformed" or "missing plugin" ? false : true, ready.Status);
            Assert.Empty(rt.ListPodSandbox(new ListPodSandboxRequest()).Items);
            env.AssertNoLeftovers();
        }
        finally
        {
            Directory.Delete(plugins, recursive: true);
        }
    }

    [Fact]
    public void Fifty_sandboxes_started_and_removed_leave_leases_veths_and_iptables_as_before()
    {
        using var env = new SubletEnv("maxPods: 2", podNetwork: true);
        var pool = (uint)env.UsePrivatePool(2);
        using var server = CriServer.Start(env);
        var rt = server.Runtime;
        var addresses = new HashSet<string>();
        for (var i = 0; i < 50; i++)
        {
            var config = Cri.Sandbox($"loop-{i}", null, Cri.PodUserns(pool + (uint)(i % 2) * 65536, 65536));
            config.PortMappings.Add(new PortMapping { Protocol = Protocol.Tcp, ContainerPort = 80, HostPort = 13000 + i });
            var id = rt.RunPodSandbox(new RunPodSandboxRequest { Config = config }).PodSandboxId;
            addresses.Add(rt.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = id }).Status.Network.Ip);
            rt.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = id });
            rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = id });
        }
        Assert.True(addresses.Count > 1, "host-local hands out the next address each time, so leases were taken and given back");
        env.AssertNoLeftovers();
    }

    [Fact]
    public void A_server_killed_while_a_plugin_runs_leaves_nothing_once_the_restarted_server_removes_the_sandbox()
    {
        var plugins = Directory.CreateTempSubdirectory("sublet-cni-").FullName;
        try
        {
            using var env = new SubletEnv("maxPods: 1", podNetwork: true, network: $"pluginDirs: [{plugins}, /usr/lib/cni]");
            var hostId = (uint)env.UsePrivatePool(1);
            // bridge, 3 s late: the server dies while it waits, and the plugin still finishes its ADD.
            var slow = Path.Combine(plugins, "slow-bridge");
            File.WriteAllText(slow, "#!/bin/sh\nsleep 3\nexec /usr/lib/cni/bridge\n");
            File.SetUnixFileMode(slow, (UnixFileMode)0b111_101_101);
            Directory.CreateDirectory(Path.Combine(env.Root, "net.d"));
            File.WriteAllText(Path.Combine(env.Root, "net.d", "10-slow.conflist"), $$$"""
                {"cniVersion": "1.0.0", "name": "slow", "plugins": [
                  {"type": "slow-bridge", "bridge": "sbs{{{env.NetnsName![^8..]}}}", "isGateway": true, "ipMasq": true,
                   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.86.0.0/24"}]], "dataDir": "{{{env.StateRoot}}}/cni/networks"}},
                  {"type": "portmap", "capabilities": {"portMappings": true}}]}
                """);
            var server = CriServer.Start(env);
            var config = Cri.Sandbox("killed", null, Cri.PodUserns(hostId, 65536));
            config.PortMappings.Add(new PortMapping { Protocol = Protocol.Tcp, ContainerPort = 80, HostPort = 12090 });
            var call = server.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = config });
            var pins = Path.Combine(env.RunRoot, "netns");
            Cri.WaitFor(() => Directory.Exists(pins) && Directory.GetDirectories(pins).Length > 0, done => done);
            server.Stop("KILL");
            server.Dispose();
            Assert.Throws<RpcException>(() => call.ResponseAsync.GetAwaiter().GetResult());
            Thread.Sleep(TimeSpan.FromSeconds(5)); // the orphaned plugin ends its ADD: a veth and a lease now exist
            Assert.NotEmpty(env.NetworkLeftovers());

            using var restarted = CriServer.Start(env);
            var left = Assert.Single(restarted.Runtime.ListPodSandbox(new ListPodSandboxRequest()).Items);
            Assert.Equal(PodSandboxState.SandboxNotready, left.State);
            restarted.Runtime.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = left.Id });
            restarted.Runtime.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = left.Id });
            env.AssertNoLeftovers();
        }
        finally
        {
            Directory.Delete(plugins, recursive: true);
        }
    }

    private static string Conflist(string type) =>
        $$"""{"cniVersion": "1.0.0", "name": "test", "plugins": [{"type": "{{type}}"}]}""";

    private sealed record Pod(string Sandbox, string Container);

    private static Pod RunPod(RuntimeService.RuntimeServiceClient rt, SubletEnv env, string name, uint hostId, (int Container, int Host)? port)
    {
        var config = Cri.Sandbox(name, null, Cri.PodUserns(hostId, 65536));
        if (port is { } p)
        {
            config.PortMappings.Add(new PortMapping { Protocol = Protocol.Tcp, ContainerPort = p.Container, HostPort = p.Host });
        }
        var sandbox = rt.RunPodSandbox(new RunPodSandboxRequest { Config = config }).PodSandboxId;
        var script = "mkdir -p /tmp/www && echo \"hello from " + name + "\" >/tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www";
        var container = Cri.Container("app", Demo, ["sh", "-c", script], null);
        container.Linux = new LinuxContainerConfig { SecurityContext = new LinuxContainerSecurityContext { Capabilities = new Capability { AddCapabilities = { "NET_ADMIN" } } } };
        var id = rt.CreateContainer(new CreateContainerRequest { PodSandboxId = sandbox, Config = container, SandboxConfig = config }).ContainerId;
        rt.StartContainer(new StartContainerRequest { ContainerId = id });
        return new Pod(sandbox, id);
    }

    private static string Exec(RuntimeService.RuntimeServiceClient rt, string container, params string[] command)
    {
        var result = rt.ExecSync(new ExecSyncRequest { ContainerId = container, Cmd = { command }, Timeout = 30 });
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', command)}: exit {result.ExitCode}: {result.Stderr.ToStringUtf8()}");
        return result.Stdout.ToStringUtf8();
    }

    /// <summary>
    /// lsns's ONS column (NS_GET_USERNS) for one process's namespace. lsns reads every process on
    /// the host, and the other tests' processes come and go meanwhile: one that vanished mid-scan
    /// has left it with no line (a clean-clone run, under load); ask again then.
    /// </summary>
    private static string OwningUserNamespace(string kind, string pid)
    {
        CliResult result = new(0, "", "");
        for (var attempt = 0; attempt < 5; attempt++)
        {
            result = Host.Run("lsns", "-n", "-t", kind, "-o", "ONS", "-p", pid);
            if (result.ExitCode == 0 && result.Stdout.Trim().Length > 0)
            {
                return result.Stdout.Trim();
            }
            Thread.Sleep(100);
        }
        Assert.Fail($"lsns -t {kind} -p {pid} gave no owner: {result}");
        return "";
    }

    private static string HostPid(RuntimeService.RuntimeServiceClient rt, string container)
    {
        var info = rt.ContainerStatus(new ContainerStatusRequest { ContainerId = container, Verbose = true }).Info["info"];
        return System.Text.Json.JsonDocument.Parse(info).RootElement.GetProperty("pid").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
