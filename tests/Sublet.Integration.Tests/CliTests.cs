using System.Diagnostics;
using Sublet.Runtime.State;

namespace Sublet.Integration.Tests;

/// <summary>The CLI around a running pod: logs, inspect, ps, images, exit recording, Ctrl-C.</summary>
public sealed class CliTests
{
    private const string TwoContainers = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: chatty
          namespace: team-a
        spec:
          hostUsers: false
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          containers:
            - name: out
              image: localhost/busybox:demo
              command: [sh, -c, "echo line-one; echo line-two >&2; sleep 1; echo line-three; exit 3"]
            - name: quiet
              image: localhost/busybox:demo
              command: ["true"]
        """;

    [Fact]
    public void ExitIsRecordedByConmonWithoutAnySubletProcessRunning()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest(TwoContainers));

        // Read the store directly: `ps` would reconcile from the exit files itself.
        using var store = new StateStore(env.StateRoot);
        var pod = store.FindPod("team-a/chatty")!;
        var deadline = Stopwatch.StartNew();
        while (store.FindPod(pod.Id)!.State != PodState.Failed && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            Thread.Sleep(100);
        }
        var containers = store.Containers(pod.Id);
        Assert.Equal([("out", 3), ("quiet", 0)], containers.Select(c => (c.Name, c.ExitCode ?? -1)));
        Assert.Equal(PodState.Failed, store.FindPod(pod.Id)!.State);

        var logs = env.Ok("logs", "team-a/chatty", "-c", "out");
        Assert.Equal("line-one\nline-three\n", logs.Stdout);
        Assert.Equal("line-two\n", logs.Stderr);
        var missing = env.Run("logs", "chatty");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("choose one of [out quiet]", missing.Stderr);

        var json = env.Json("inspect", "chatty");
        Assert.Equal("team-a", json.GetProperty("pod").GetProperty("namespace").GetString());
        Assert.Equal(3, json.GetProperty("pod").GetProperty("containers")[0].GetProperty("exitCode").GetInt32());
        Assert.Contains("uidMap: ", env.Ok("inspect", "chatty").Stdout);
        Assert.Contains("Exited", env.Ok("ps").Stdout);

        env.Ok("down", env.Root + "/pod.yaml"); // down by manifest file
        env.AssertNoLeftovers();
    }

    [Fact]
    public void WaitReturnsTheFirstNonZeroExitCodeAndStreamsBothStreams()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var result = env.Run("play", "--wait", env.WriteManifest(TwoContainers));
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("chatty/out | line-one", result.Stdout);
        Assert.Contains("chatty/out | line-two", result.Stderr);
        env.AssertNoLeftovers();
    }

    [Fact]
    public void SigtermDuringWaitStopsThePodGracefullyAndRemovesIt()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var manifest = env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: trapper}
            spec:
              hostUsers: false
              terminationGracePeriodSeconds: 20
              containers:
                - name: c
                  image: localhost/busybox:demo
                  command: [sh, -c, "trap 'echo got TERM; exit 0' TERM; echo running; while true; do sleep 0.1; done"]
            """);
        using var play = env.Start("play", "--wait", manifest);
        var firstLine = play.StandardOutput.ReadLine();
        Assert.Equal("running", firstLine);

        Host.Run("kill", "-TERM", play.Id.ToString());
        var rest = play.StandardOutput.ReadToEnd();
        Assert.True(play.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Equal(130, play.ExitCode);
        Assert.Contains("got TERM", rest); // the container saw SIGTERM and its last words were printed
        env.AssertNoLeftovers();
    }

    [Fact]
    public void ImagesListsAndRmiRemoves()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var images = env.Json("images").EnumerateArray().Select(i => i.GetProperty("reference").GetString()).ToList();
        Assert.Equal(["localhost/busybox:demo"], images);
        Assert.Contains("localhost/busybox:demo", env.Ok("images").Stdout);

        env.Ok("rmi", "localhost/busybox:demo");

        Assert.Empty(env.Json("images").EnumerateArray());
        var layers = Path.Combine(env.StateRoot, "images", "layers");
        Assert.True(!Directory.Exists(layers) || !Directory.EnumerateFileSystemEntries(layers).Any(), "layers left after rmi");
        var again = env.Run("rmi", "localhost/busybox:demo");
        Assert.Equal(1, again.ExitCode);
    }

    [Fact]
    public void ImagePruneKeepsAnImageAPodUsesAndRemovesItOnceThePodIsGone()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest(TwoContainers, "chatty.yaml"));

        Assert.Equal("Total reclaimed space: 0 B\n", env.Ok("image", "prune").Stdout); // nothing dangling
        Assert.Equal("Total reclaimed space: 0 B\n", env.Ok("image", "prune", "-a").Stdout); // in use
        Assert.Single(env.Json("images").EnumerateArray());

        env.Ok("down", "team-a/chatty");
        var pruned = env.Ok("image", "prune", "--all").Stdout;

        Assert.Matches(@"^Deleted Images:\ndeleted: sha256:[0-9a-f]{64}\n\nTotal reclaimed space: [0-9.]+ [kM]B\n$", pruned);
        Assert.Empty(env.Json("images").EnumerateArray());
        var layers = Path.Combine(env.StateRoot, "images", "layers");
        Assert.Empty(Directory.EnumerateFileSystemEntries(layers));
        env.AssertNoLeftovers();
    }

    [Fact]
    public void InspectSaysWhatThisHostMadeSubletClamp()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: guaranteed}
            spec:
              hostUsers: false
              terminationGracePeriodSeconds: 0
              containers:
                - name: c
                  image: localhost/busybox:demo
                  command: [sleep, "300"]
                  resources: {limits: {cpu: 100m, memory: 64Mi}}
            """));

        var inspect = env.Json("inspect", "guaranteed");
        // The kubelet's -997 for Guaranteed needs CAP_SYS_RESOURCE (bit 24), which root lacks on this kind of host.
        var capBnd = Convert.ToUInt64(File.ReadAllLines("/proc/self/status").Single(l => l.StartsWith("CapBnd:", StringComparison.Ordinal))[7..].Trim(), 16);
        if ((capBnd & (1UL << 24)) == 0)
        {
            Assert.Contains("oomScoreAdj -997", inspect.GetProperty("hostAdjustments").GetProperty("c").GetString());
        }
        else
        {
            Assert.False(inspect.TryGetProperty("hostAdjustments", out _), "nothing to clamp on a host with CAP_SYS_RESOURCE");
        }
    }
}
