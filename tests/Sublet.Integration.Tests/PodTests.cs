using System.Text.RegularExpressions;

namespace Sublet.Integration.Tests;

/// <summary>Real pods through <c>sublet play</c>, as a user runs them (issue 11 "How it will be checked").</summary>
public sealed partial class PodTests
{
    private const string Sleeper = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: NAME
        spec:
          hostUsers: false
          terminationGracePeriodSeconds: 1
          containers:
            - name: main
              image: localhost/busybox:demo
              command: ["sleep", "3600"]
        """;

    [Fact]
    public void ExampleRunsAsRootInsideAPrivateRange()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var example = Path.Combine(DemoImage.RepoRoot(), "examples", "hello-userns.yaml");

        var result = env.Run("play", "--wait", example);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("uid=0(root)", result.Stdout);
        var map = UidMapLine().Match(result.Stdout);
        Assert.True(map.Success, result.ToString());
        var hostId = long.Parse(map.Groups[1].Value);
        Assert.True(hostId >= 65536 && hostId % 65536 == 0, $"host ID {hostId}");
        Assert.Equal("65536", map.Groups[2].Value);
        Assert.Contains("stdout is usable: hi", result.Stdout); // echo > /dev/stdout as a mapped ID
        var left = env.Leftovers();
        Assert.True(left.IsEmpty, left.ToString());
    }

    [Fact]
    public void ContainerProcessRunsOnTheHostAsTheRangeStart()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest(Sleeper.Replace("NAME", "sleeper")));

        var pod = env.Json("ps")[0];
        var start = pod.GetProperty("userNamespace").GetProperty("hostIdStart").GetInt64();
        var pid = pod.GetProperty("containers")[0].GetProperty("pid").GetInt32();
        var uidLine = File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal));

        Assert.Equal($"Uid:\t{start}\t{start}\t{start}\t{start}", uidLine);
        Assert.Equal($"0 {start} 65536", Normalize(File.ReadAllText($"/proc/{pid}/uid_map")));
        env.Ok("down", "sleeper");
        env.AssertNoLeftovers();
    }

    [Fact]
    public void OtherHostUsersCannotReachThePodsRootFilesystem()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest(Sleeper.Replace("NAME", "private")));
        var pod = env.Json("ps")[0];
        var start = pod.GetProperty("userNamespace").GetProperty("hostIdStart").GetInt64();
        var rootfs = Path.Combine(env.RunRoot, "pods", pod.GetProperty("id").GetString()!, "c", pod.GetProperty("containers")[0].GetProperty("id").GetString()!, "rootfs", "bin", "busybox");

        // The pod's own host root may pass (runc needs it); another unprivileged host user may not.
        var own = Setpriv(start, start, rootfs);
        Assert.True(own.ExitCode == 0, own.ToString());
        var stranger = Setpriv(65534, 65534, rootfs);
        Assert.NotEqual(0, stranger.ExitCode);
        Assert.Contains("Permission denied", stranger.Stderr);
    }

    private static CliResult Setpriv(long uid, long gid, string path) =>
        Host.Run("setpriv", "--reuid", uid.ToString(), "--regid", gid.ToString(), "--clear-groups", "stat", "-c", "%u", path);

    [Fact]
    public void PodWithoutHostUsersFalseSharesTheHostUserNamespace()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var manifest = env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: hosty}
            spec:
              restartPolicy: Never
              containers:
                - {name: c, image: localhost/busybox:demo, command: [cat, /proc/self/uid_map]}
            """);

        var result = env.Run("play", "--wait", manifest);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("0 0 4294967295", Normalize(result.Stdout));
        Assert.Empty(env.Json("ids").EnumerateArray());
    }

    [Fact]
    public void TwoPodsGetDisjointRangesAndDownFreesOne()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest(Sleeper.Replace("NAME", "one") + "\n---\n" + Sleeper.Replace("NAME", "two")));

        var ids = env.Json("ids").EnumerateArray().ToDictionary(e => e.GetProperty("pod").GetString()!, e => e.GetProperty("hostIdStart").GetInt64());
        Assert.Equal(2, ids.Count);
        Assert.True(Math.Abs(ids["one"] - ids["two"]) >= 65536, $"ranges overlap: {ids["one"]} {ids["two"]}");

        env.Ok("down", "one");
        var after = env.Json("ids").EnumerateArray().Select(e => (e.GetProperty("pod").GetString(), e.GetProperty("hostIdStart").GetInt64())).ToList();
        Assert.Equal([("two", ids["two"])], after); // a new sublet process sees the same allocation
    }

    [Fact]
    public void TenConcurrentPlaysGetTenDisjointRanges()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var processes = Enumerable.Range(0, 10)
            .Select(i => env.Start("play", env.WriteManifest(Sleeper.Replace("NAME", $"p{i}"), $"p{i}.yaml")))
            .ToList();
        foreach (var p in processes)
        {
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, err);
            p.Dispose();
        }

        var starts = env.Json("ids").EnumerateArray().Select(e => e.GetProperty("hostIdStart").GetInt64()).Order().ToList();
        Assert.Equal(10, starts.Count);
        for (var i = 1; i < starts.Count; i++)
        {
            Assert.True(starts[i] - starts[i - 1] >= 65536, $"overlap in {string.Join(", ", starts)}");
        }
    }

    private static string Normalize(string text) => string.Join(' ', text.Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries));

    [GeneratedRegex(@"uid_map:\s+0\s+(\d+)\s+(\d+)")]
    private static partial Regex UidMapLine();
}
