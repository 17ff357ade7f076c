using System.Diagnostics;
using System.Text.Json;

namespace Sublet.Integration.Tests;

/// <summary>Resources as cgroup settings, OOMKilled, QoS class and stats (issue 12 item 5), on this host's cgroup v1.</summary>
public sealed class ResourceTests
{
    private const string Cgroups = "/sys/fs/cgroup";

    private static JsonElement WaitForContainer(SubletEnv env, Func<JsonElement, bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            var c = env.Json("ps")[0].GetProperty("containers")[0];
            if (condition(c))
            {
                return c;
            }
            Thread.Sleep(200);
        }
        Assert.Fail($"container did not get there: {env.Run("ps").Stdout}");
        return default;
    }

    [Fact]
    public void LimitsBecomeTheContainersCgroupUnderItsPodsParentWhichDownRemoves()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: limited}
            spec:
              hostUsers: false
              containers:
                - name: app
                  image: localhost/busybox:demo
                  command: [sleep, "300"]
                  resources:
                    limits: {memory: 32Mi, cpu: 500m}
            """));
        var c = WaitForContainer(env, c => c.GetProperty("state").GetString() == "Running");
        var pod = env.Json("inspect", "limited").GetProperty("pod");
        var podId = pod.GetProperty("id").GetString()!;
        var leaf = $"sublet/pod{podId}/{c.GetProperty("id").GetString()}";

        Assert.Equal("Guaranteed", pod.GetProperty("qosClass").GetString());
        Assert.Equal("33554432", File.ReadAllText($"{Cgroups}/memory/{leaf}/memory.limit_in_bytes").Trim());
        Assert.Equal("50000", File.ReadAllText($"{Cgroups}/cpu/{leaf}/cpu.cfs_quota_us").Trim());
        Assert.Equal("100000", File.ReadAllText($"{Cgroups}/cpu/{leaf}/cpu.cfs_period_us").Trim());
        Assert.Equal("512", File.ReadAllText($"{Cgroups}/cpu/{leaf}/cpu.shares").Trim());
        // The pod's own cgroup, as the kubelet's ResourceConfigForPod sets it for a Guaranteed pod.
        Assert.Equal("33554432", File.ReadAllText($"{Cgroups}/memory/sublet/pod{podId}/memory.limit_in_bytes").Trim());
        Assert.Equal("50000", File.ReadAllText($"{Cgroups}/cpu/sublet/pod{podId}/cpu.cfs_quota_us").Trim());
        // The sandbox shares the pod's parent.
        Assert.True(Directory.Exists($"{Cgroups}/memory/sublet/pod{podId}/{podId}"));

        var stats = env.Json("stats", "limited");
        var app = stats[0].GetProperty("containers")[0];
        Assert.Equal("app", app.GetProperty("name").GetString());
        Assert.Equal(33554432, app.GetProperty("memoryLimitBytes").GetInt64());
        Assert.True(app.GetProperty("memoryWorkingSetBytes").GetInt64() > 0);
        Assert.True(app.GetProperty("cpuSeconds").GetDouble() >= 0);
        Assert.Contains("app", env.Ok("stats").Stdout);

        env.Ok("down", "--grace-period", "0", "limited");
        foreach (var hierarchy in Directory.GetDirectories(Cgroups))
        {
            Assert.False(Directory.Exists($"{hierarchy}/sublet/pod{podId}"), $"{hierarchy}/sublet/pod{podId} left behind");
        }
    }

    [Fact]
    public void AContainerOverItsMemoryLimitEndsOomKilledWith137()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        // conmon marks an OOM kill with an "oom" file in its working directory too: not in the user's.
        env.WorkingDirectory = Directory.CreateDirectory(Path.Combine(env.Root, "cwd")).FullName;
        env.Ok("play", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: hungry}
            spec:
              restartPolicy: Never
              containers:
                - name: app
                  image: localhost/busybox:demo
                  # tail buffers the one endless line of /dev/zero: 100Mi and more.
                  command: [tail, /dev/zero]
                  resources:
                    limits: {memory: 32Mi}
            """));

        var c = WaitForContainer(env, c => c.GetProperty("state").GetString() == "Exited");
        Assert.Equal(137, c.GetProperty("exitCode").GetInt32());
        Assert.Equal("OOMKilled", c.GetProperty("reason").GetString());
        Assert.Equal("Burstable", env.Json("inspect", "hungry").GetProperty("pod").GetProperty("qosClass").GetString());
        Assert.Contains("OOMKilled", env.Ok("inspect", "hungry").Stdout);
        Assert.Empty(Directory.GetFileSystemEntries(env.WorkingDirectory));
    }
}
