using Sublet.Runtime.State;

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
        env.AssertNoLeftovers();
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
        Assert.DoesNotContain("Warning:", result.Stderr); // the fallback is documented, not warned about on every pod
        env.AssertNoLeftovers();
    }

    [Fact]
    public void TerminationMessagesAreReadAfterExitAndShownByInspect()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: ending}
            spec:
              hostUsers: false
              restartPolicy: Never
              containers:
                - name: why
                  image: localhost/busybox:demo
                  command: [sh, -c, "stat -c '%u:%g %a' /dev/termination-log; printf 'disk full' > /dev/termination-log; exit 3"]
                - name: user
                  image: localhost/busybox:demo
                  securityContext: {runAsUser: 1000}
                  terminationMessagePath: /tmp/message
                  command: [sh, -c, "printf 'written by 1000' > /tmp/message"]
                - name: logs
                  image: localhost/busybox:demo
                  terminationMessagePolicy: FallbackToLogsOnError
                  command: [sh, -c, "for i in $(seq 1 100); do echo log-$i; done; exit 1"]
            """));
        // conmon's exit hooks record each exit, and read its message, with no sublet command running.
        LifecycleTests.WaitFor(env, "ending", (_, pod) => pod.State == PodState.Failed);

        var containers = env.Json("inspect", "ending").GetProperty("pod").GetProperty("containers");
        string? Message(int i) => containers[i].TryGetProperty("message", out var m) ? m.GetString() : null;
        Assert.True(containers.GetArrayLength() == 3, containers.ToString());
        Assert.Equal(3, containers[0].GetProperty("exitCode").GetInt32());
        Assert.Equal("disk full", Message(0));
        Assert.Equal("written by 1000", Message(1));
        var fromLogs = Message(2) ?? "";
        Assert.StartsWith("log-21\n", fromLogs); // the last 80 lines
        Assert.EndsWith("\nlog-100\n", fromLogs);
        // The file is owned by root inside the user namespace and writable by anyone (the kubelet's 0666).
        Assert.Equal("0:0 666\n", env.Ok("logs", "ending", "-c", "why").Stdout);
        Assert.Contains("message: disk full", env.Ok("inspect", "ending").Stdout);

        env.Ok("down", "ending");
        env.AssertNoLeftovers();
    }

    [Fact]
    public void ARestartedContainerStartsWithAnEmptyFileAndKeepsThePreviousMessageInLastState()
    {
        using var env = new SubletEnv("restartBackoffSeconds: 0.5");
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: again}
            spec:
              hostUsers: false
              restartPolicy: OnFailure
              volumes: [{name: data, emptyDir: {}}]
              containers:
                - name: c
                  image: localhost/busybox:demo
                  volumeMounts: [{name: data, mountPath: /data}]
                  command: [sh, -c, "if [ -e /data/ran ]; then [ -s /dev/termination-log ] && exit 9; printf second > /dev/termination-log; exit 0; fi; touch /data/ran; printf first > /dev/termination-log; exit 1"]
            """));
        LifecycleTests.WaitFor(env, "again", (_, pod) => pod.State != PodState.Running);

        var c = env.Json("inspect", "again").GetProperty("pod").GetProperty("containers")[0];
        Assert.True(c.GetProperty("exitCode").GetInt32() == 0, c.ToString()); // 9 would mean the first run's message was still there
        Assert.Equal("second", c.GetProperty("message").GetString());
        Assert.Equal("first", c.GetProperty("lastState").GetProperty("message").GetString());
        Assert.Equal(1, c.GetProperty("restartCount").GetInt32());

        env.Ok("down", "again");
        env.AssertNoLeftovers();
    }
}
