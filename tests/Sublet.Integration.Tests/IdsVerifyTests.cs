using System.Diagnostics;

namespace Sublet.Integration.Tests;

/// <summary>
/// `sublet ids --verify` (issue 24 item 2) on a live pod: quiet when healthy, and it finds a user
/// namespace started by hand whose map reaches into the pod's range. The pod takes its range from
/// a pool of its own, far from the kubelet default, so pods of tests running beside it (which do
/// overlap each other, and which the audit rightly reports) stay out of its way.
/// </summary>
public sealed class IdsVerifyTests
{
    [Fact]
    public void TheAuditIsQuietOnAHealthyPodAndFindsAForeignNamespaceInItsRange()
    {
        using var env = new SubletEnv("maxPods: 2");
        var start = env.UsePrivatePool(2);
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: audited}
            spec:
              hostUsers: false
              containers:
                - {name: c, image: localhost/busybox:demo, command: [sh, -c, "sleep 300"]}
            """));
        Assert.Equal(start, env.Json("ids").EnumerateArray().Single().GetProperty("hostIdStart").GetInt64());

        var healthy = env.Run("ids", "--verify");
        Assert.True(healthy.ExitCode == 0, healthy.ToString());
        Assert.StartsWith("no findings: 1 pods", healthy.Stdout);

        // A process of our own in a new user namespace, mapped by hand onto part of the pod's range.
        using (var planted = new PlantedNamespace(start + 100, 10))
        {
            var found = env.Run("ids", "--verify", "-o", "json");
            Assert.Equal(1, found.ExitCode);
            var findings = System.Text.Json.JsonDocument.Parse(found.Stdout).RootElement.GetProperty("findings").EnumerateArray().ToList();
            var finding = Assert.Single(findings);
            Assert.Equal("default/audited", finding.GetProperty("pod").GetString());
            Assert.Equal("foreign user namespace", finding.GetProperty("check").GetString());
            Assert.Contains($"of pid {planted.Id} (sleep) maps host IDs {start + 100}-{start + 109}", finding.GetProperty("detail").GetString());
        }
        Assert.Equal(0, env.Run("ids", "--verify").ExitCode);

        // A file in the pod's writable layer owned by an ID outside its range: someone else put it there.
        var podId = env.Json("ps")[0].GetProperty("id").GetString()!;
        var upper = Directory.GetDirectories(Path.Combine(env.StateRoot, "pods", podId, "c")).Select(c => Path.Combine(c, "upper")).Single(Directory.Exists);
        var stray = Path.Combine(upper, "stray");
        File.WriteAllText(stray, "");
        Sublet.Linux.Processes.Posix.Chown(stray, 12345, 12345);
        var owned = env.Run("ids", "--verify", "-o", "json");
        Assert.Equal(1, owned.ExitCode);
        var fileFinding = Assert.Single(System.Text.Json.JsonDocument.Parse(owned.Stdout).RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal("file owner outside range", fileFinding.GetProperty("check").GetString());
        Assert.Contains($"{stray} is owned by 12345:12345", fileFinding.GetProperty("detail").GetString());
        File.Delete(stray);
        env.Ok("down", "--grace-period", "0", "audited");
        env.AssertNoLeftovers();
    }

    [Fact]
    public void TheAuditIsQuietOnAHealthyNodeWithTwentyPods()
    {
        using var env = new SubletEnv("maxPods: 20");
        env.UsePrivatePool(20);
        env.LoadDemoImage();
        var manifest = string.Join("---\n", Enumerable.Range(1, 20).Select(i => $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: pod-{{i}}}
            spec:
              hostUsers: false
              terminationGracePeriodSeconds: 0
              containers:
                - {name: c, image: localhost/busybox:demo, command: [sh, -c, "sleep 300"]}

            """));
        var file = env.WriteManifest(manifest, "twenty.yaml");
        env.Ok("play", file);
        var ranges = env.Json("ids").EnumerateArray().Select(i => i.GetProperty("hostIdStart").GetInt64()).ToList();
        Assert.Equal(20, ranges.Distinct().Count());

        var audit = env.Run("ids", "--verify");

        Assert.True(audit.ExitCode == 0, audit.ToString());
        Assert.StartsWith("no findings: 20 pods", audit.Stdout);
        env.Ok("down", file);
        env.AssertNoLeftovers();
    }

    [Fact]
    public void PlaySkipsARangeALiveUserNamespaceHoldsAndSaysWho()
    {
        using var env = new SubletEnv("maxPods: 2");
        var start = env.UsePrivatePool(2);
        env.LoadDemoImage();
        // Another installation's pod, as far as this store knows: a namespace mapping the pool's first slot.
        using (var other = new PlantedNamespace(start, 65536))
        {
            var play = env.Run("play", env.WriteManifest("""
                apiVersion: v1
                kind: Pod
                metadata: {name: second}
                spec:
                  hostUsers: false
                  containers:
                    - {name: c, image: localhost/busybox:demo, command: [sh, -c, "sleep 300"]}
                """));
            Assert.True(play.ExitCode == 0, play.ToString());
            Assert.Contains($"Warning: host IDs {start}-{start + 65535} are in use by user:[", play.Stderr);
            Assert.Contains($"of pid {other.Id} (sleep), unknown to this node's store; pods here are not given them", play.Stderr);
            Assert.Equal(start + 65536, env.Json("ids").EnumerateArray().Single().GetProperty("hostIdStart").GetInt64());
        }
        env.Ok("down", "--grace-period", "0", "second");
        env.AssertNoLeftovers();
    }
}

/// <summary>A `sleep` of ours in a new user namespace whose uid_map we write by hand (root may, user_namespaces(7)); Dispose kills it.</summary>
internal sealed class PlantedNamespace : IDisposable
{
    private readonly Process _process;

    public PlantedNamespace(long hostStart, long length)
    {
        _process = Process.Start(new ProcessStartInfo("unshare", ["--user", "sleep", "120"]))!;
        // unshare(1) execs sleep once the namespace exists: wait for that.
        for (var i = 0; i < 100 && File.ReadAllText($"/proc/{_process.Id}/comm").Trim() != "sleep"; i++)
        {
            Thread.Sleep(50);
        }
        File.WriteAllText($"/proc/{_process.Id}/uid_map", $"0 {hostStart} {length}\n");
    }

    public int Id => _process.Id;

    public void Dispose()
    {
        _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
