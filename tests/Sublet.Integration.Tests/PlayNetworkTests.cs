namespace Sublet.Integration.Tests;

/// <summary>
/// <c>play</c> pods on Sublet's default network (issue 21 item 4), inside a network namespace the
/// test makes: an address in ps, inspect, the downward API and /etc/hosts, a hostPort on 127.0.0.1,
/// another pod reached by address, and nothing left after <c>down</c>.
/// </summary>
public sealed class PlayNetworkTests
{
    private const string Server = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          hostUsers: false
          containers:
            - name: httpd
              image: localhost/busybox:demo
              command: ["sh", "-c", "mkdir -p /tmp/www && echo \"hello from $POD_IP ($POD_IPS) $(POD_IP) $URL\" >/tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]
              env:
                - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
                - {name: POD_IPS, valueFrom: {fieldRef: {fieldPath: status.podIPs}}}
                - {name: URL, value: "http://$(POD_IP):8080"}
              ports:
                - {containerPort: 8080, hostPort: 12081}
        """;

    private const string Client = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: client
        spec:
          hostUsers: false
          restartPolicy: Never
          containers:
            - name: get
              image: localhost/busybox:demo
              command: ["sh", "-c", "grep client /etc/hosts; printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 10 WEB_IP 8080"]
        """;

    [Fact]
    public void Pods_get_addresses_reach_each_other_and_a_host_port_and_down_leaves_nothing()
    {
        using var env = new SubletEnv(podNetwork: true);
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest(Server, "web.yaml"));
        var web = Assert.Single(env.Json("ps").EnumerateArray());
        var ip = web.GetProperty("podIps")[0].GetString()!;
        Assert.StartsWith("10.87.", ip);
        Assert.Contains(ip, env.Ok("ps").Stdout);
        Assert.Equal(ip, env.Json("inspect", "web").GetProperty("pod").GetProperty("podIps")[0].GetString());

        // The downward API and the host port, once httpd listens.
        var page = Cri.WaitFor(() => env.InNetns("sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 5 127.0.0.1 12081").Stdout,
            s => s.Contains("hello", StringComparison.Ordinal));
        // $(POD_IP) in args and in a later env value is expanded at container start, as the kubelet does.
        Assert.EndsWith($"\r\n\r\nhello from {ip} ({ip}) {ip} http://{ip}:8080\n", page);

        var client = env.Ok("play", "--wait", env.WriteManifest(Client.Replace("WEB_IP", ip), "client.yaml"));
        Assert.Matches(@"10\.87\.\d+\.\d+\s+client", client.Stdout); // the kubelet's /etc/hosts line for the pod's own address
        Assert.Contains($"hello from {ip}", client.Stdout);

        env.Ok("down", "web"); // play --wait removed its pod already
        env.AssertNoLeftovers();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_host_network_pod_joins_the_nodes_network_with_its_hostname_and_hosts_file_and_gets_no_pod_network(bool hostUsers)
    {
        // The "node" is the test's network namespace; with hostUsers: false only under the gate, as upstream.
        using var env = new SubletEnv(hostUsers ? null : "featureGates: {UserNamespacesHostNetworkSupport: true}", podNetwork: true);
        env.LoadDemoImage();
        var manifest = $$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: hostnet
            spec:
              hostNetwork: true
              hostUsers: {{(hostUsers ? "true" : "false")}}
              restartPolicy: Never
              containers:
                - name: app
                  image: localhost/busybox:demo
                  command: ["sh", "-c", "echo net $(stat -L -c %i /proc/self/ns/net); echo name $(hostname); grep -c . /etc/hosts"]
            """;
        var result = env.Run("play", "--wait", env.WriteManifest(manifest));
        Assert.True(result.ExitCode == 0, result.ToString());
        var nodeNet = Host.Run("stat", "-L", "-c", "%i", $"/run/netns/{env.NetnsName}").Stdout.Trim();
        Assert.Contains($"net {nodeNet}", result.Stdout);
        Assert.Contains($"name {Environment.MachineName}", result.Stdout);
        Assert.Contains(File.ReadAllLines("/etc/hosts").Count(l => l.Length > 0).ToString(System.Globalization.CultureInfo.InvariantCulture), result.Stdout);
        Assert.False(Directory.Exists(Path.Combine(env.StateRoot, "cni")), "no pod network was set up");
        env.AssertNoLeftovers();
    }
}
