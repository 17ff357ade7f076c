using System.Diagnostics;

namespace Sublet.Integration.Tests;

/// <summary>
/// Every failed start names its cause, exits non-zero and leaves no allocation, mount, runc
/// container or pod directory behind (issue 11 item 9, ground rule 4).
/// </summary>
public sealed class FailureTests
{
    private static string Pod(string name, string image = "localhost/busybox:demo", string command = "[\"true\"]") => $"""
        apiVersion: v1
        kind: Pod
        metadata: {"{"}name: {name}{"}"}
        spec:
          hostUsers: false
          restartPolicy: Never
          terminationGracePeriodSeconds: 0
          containers:
            - {"{"}name: c, image: {image}, command: {command}{"}"}
        """;

    private static void AssertFailsCleanly(SubletEnv env, string expectedMessage, params string[] args)
    {
        var before = env.Leftovers();
        var result = env.Run(args);
        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains(expectedMessage, result.Stderr);
        // One line of error; Warning lines (a ClusterFirst pod on a node without cluster DNS) may precede it.
        Assert.Single(result.Stderr.Trim().Split('\n'), line => !line.StartsWith("Warning: ", StringComparison.Ordinal));
        var after = env.Leftovers();
        Assert.Equal(before.ToString(), after.ToString());
    }

    [Fact]
    public void BadYamlNamesTheFileAndLine()
    {
        using var env = new SubletEnv();
        var path = env.WriteManifest("apiVersion: v1\nkind: Pod\nmetadata: {name: x\n");
        AssertFailsCleanly(env, $"{path}: invalid YAML at line", "play", path);
    }

    [Fact]
    public void UnknownKindIsNamed()
    {
        using var env = new SubletEnv();
        var path = env.WriteManifest("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n");
        AssertFailsCleanly(env, "kind \"Deployment\"", "play", path);
    }

    [Fact]
    public void UnknownImageSaysHowToLoadIt()
    {
        using var env = new SubletEnv();
        var path = env.WriteManifest(Pod("noimage", image: "localhost/nothing:here"));
        AssertFailsCleanly(env, "sublet image load", "play", path);
    }

    [Fact]
    public void MissingCommandIsReportedAndEverythingIsRemoved()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var path = env.WriteManifest(Pod("nocmd", command: "[\"/no/such/binary\"]"));
        AssertFailsCleanly(env, "/no/such/binary", "play", path);
    }

    [Fact]
    public void OciRuntimeFailureIsReportedAndEverythingIsRemoved()
    {
        using var env = new SubletEnv("ociRuntime: {name: runc, path: /bin/false}");
        env.LoadDemoImage();
        AssertFailsCleanly(env, "runc create", "play", env.WriteManifest(Pod("brokenruntime")));
    }

    [Fact]
    public void ExhaustedRangesAreAClearErrorAndCostNothing()
    {
        using var env = new SubletEnv("maxPods: 1");
        env.UsePrivatePool(1);
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest(Pod("first", command: "[\"sleep\", \"3600\"]"), "first.yaml"));

        AssertFailsCleanly(env, "no free user namespace range", "play", env.WriteManifest(Pod("second"), "second.yaml"));
        Assert.Single(env.Json("ids").EnumerateArray());
    }

    [Fact]
    public void ASecondPodOfTheSameNameIsRefused()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var path = env.WriteManifest(Pod("twice", command: "[\"sleep\", \"3600\"]"));
        env.Ok("play", path);
        // The store names the clash; the command line adds the command that resolves it.
        AssertFailsCleanly(env, "already exists", "play", path);
        Assert.Contains("; remove it with: sublet down twice", env.Run("play", path).Stderr);
    }

    [Theory]
    [InlineData("record")]   // killed once the pod and its range are recorded
    [InlineData("sandbox")]  // killed once the sandbox container exists
    public void KillDuringStartThenDownLeavesNothing(string point)
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var yaml = Pod("killed", command: "[\"sleep\", \"3600\"]").Replace("    - {name: c,", "    - {name: a, image: localhost/busybox:demo, command: [sleep, \"3600\"]}\n    - {name: c,");
        using var play = env.Start("play", env.WriteManifest(yaml));
        var deadline = Stopwatch.StartNew();
        while (!play.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var reached = point == "record"
                ? File.Exists(Path.Combine(env.StateRoot, "state.db")) && Directory.Exists(Path.Combine(env.RunRoot, "pods")) && Directory.EnumerateDirectories(Path.Combine(env.RunRoot, "pods")).Any()
                : env.Leftovers().Containers.Count > 0;
            if (reached)
            {
                break;
            }
            Thread.Sleep(5);
        }
        play.Kill(entireProcessTree: false); // SIGKILL, as a crash would
        play.WaitForExit();

        env.Ok("down", "killed");

        var left = env.Leftovers();
        Assert.True(left.IsEmpty, left.ToString());
    }
}
