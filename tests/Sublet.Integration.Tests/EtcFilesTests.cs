namespace Sublet.Integration.Tests;

/// <summary>Kubelet-managed files (issue 14 item 2): /etc/hosts, /etc/hostname, /etc/resolv.conf and termination messages, idmapped for user-namespaced pods.</summary>
public sealed class EtcFilesTests
{
    [Fact]
    public void AUserNamespacedPodGetsItsHostsHostnameAndResolvConfOwnedByRoot()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var result = env.Run("play", "--wait", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: etc, namespace: team}
            spec:
              hostUsers: false
              restartPolicy: Never
              hostname: box
              subdomain: backends
              hostAliases:
                - {ip: 10.1.2.3, hostnames: [foo.remote, bar.remote]}
              dnsPolicy: None
              dnsConfig:
                nameservers: [192.0.2.1]
                searches: [team.example]
                options: [{name: ndots, value: "2"}]
              containers:
                - name: c
                  image: localhost/busybox:demo
                  command: [sh, -c, "cat /etc/hosts /etc/hostname /etc/resolv.conf; stat -c '%n %u:%g %a' /etc/hosts /etc/hostname /etc/resolv.conf; echo '# by root' >> /etc/hosts && echo hosts-writable"]
            """));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n", result.Stdout);
        Assert.Contains("127.0.0.1\tbox.backends.team.svc.cluster.local\tbox\n", result.Stdout);
        Assert.Contains("\n# Entries added by HostAliases.\n10.1.2.3\tfoo.remote\tbar.remote\n", result.Stdout);
        Assert.Contains("box\nsearch team.example\nnameserver 192.0.2.1\noptions ndots:2\n", result.Stdout);
        Assert.Contains("/etc/hosts 0:0 644", result.Stdout);
        Assert.Contains("/etc/hostname 0:0 644", result.Stdout);
        Assert.Contains("/etc/resolv.conf 0:0 644", result.Stdout);
        Assert.Contains("hosts-writable", result.Stdout);
        Assert.DoesNotContain("MissingClusterDNS", result.Stderr);
        Assert.True(env.Leftovers().IsEmpty, env.Leftovers().ToString());
    }

    [Fact]
    public void ClusterFirstWithoutClusterDnsFallsBackToTheNodesResolvConfWithAWarning()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var nodeResolv = Path.Combine(env.Root, "resolv.conf");
        File.WriteAllText(nodeResolv, "nameserver 192.0.2.53\nsearch node.example\noptions timeout:2\n");
        env.Configure($"resolvConf: {nodeResolv}");
        var result = env.Run("play", "--wait", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: dns}
            spec:
              restartPolicy: Never
              containers:
                - name: c
                  image: localhost/busybox:demo
                  securityContext: {readOnlyRootFilesystem: true}
                  command: [sh, -c, "cat /etc/resolv.conf; echo x >> /etc/resolv.conf || echo resolv-read-only"]
            """));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("search node.example\nnameserver 192.0.2.53\noptions timeout:2\n", result.Stdout);
        Assert.Contains("resolv-read-only", result.Stdout);
        Assert.Contains("Warning: pod/dns: MissingClusterDNS:", result.Stderr);
        Assert.True(env.Leftovers().IsEmpty, env.Leftovers().ToString());
    }
}
