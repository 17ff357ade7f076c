namespace Sublet.Integration.Tests;

/// <summary><c>sublet exec</c> and lifecycle hooks (issue 12 items 4 and 6).</summary>
public sealed class ExecTests
{
    [Fact]
    public void ExecRunsInTheContainersUserNamespaceAndPassesTheExitCodeThrough()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: target}
            spec:
              hostUsers: false
              terminationGracePeriodSeconds: 0
              containers:
                - {name: main, image: localhost/busybox:demo, command: [sleep, "3600"]}
            """));
        var start = env.Json("ps")[0].GetProperty("userNamespace").GetProperty("hostIdStart").GetInt64();

        var map = env.Run("exec", "target", "--", "cat", "/proc/self/uid_map");
        Assert.True(map.ExitCode == 0, map.ToString());
        Assert.Equal($"0 {start} 65536", string.Join(' ', map.Stdout.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(5, env.Run("exec", "target", "--", "sh", "-c", "exit 5").ExitCode);
        Assert.Equal("uid=0(root) gid=0(root)", env.Ok("exec", "target", "--", "id").Stdout.Trim().Split(" groups=")[0]);

        var missing = env.Run("exec", "target", "-c", "nope", "--", "true");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("container \"nope\" is not in pod \"target\"", missing.Stderr);
    }

    [Fact]
    public void PostStartRunsInTheContainerBesideTheAppAndPreStopRunsBeforeTheStopSignal()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var manifest = env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: hooked}
            spec:
              hostUsers: false
              terminationGracePeriodSeconds: 20
              containers:
                - name: main
                  image: localhost/busybox:demo
                  command: [sh, -c, "trap 'echo got TERM; exit 0' TERM; i=0; until [ -s /tmp/marker ] || [ $i -ge 600 ]; do sleep 0.1; i=$((i+1)); done; echo \"marker: $(cat /tmp/marker)\"; while true; do sleep 0.1; done"]
                  lifecycle:
                    postStart: {exec: {command: [sh, -c, "echo from-postStart > /tmp/marker"]}}
                    preStop: {exec: {command: [sh, -c, "echo from-preStop > /proc/1/fd/1"]}}
            """);
        using var play = env.Start("play", "--wait", manifest);
        // postStart runs beside the entrypoint (the kubelet promises no order between them), so the
        // app waits for the hook's file (giving up after a minute) rather than for a fixed time.
        Assert.Equal("marker: from-postStart", play.StandardOutput.ReadLine());

        Host.Run("kill", "-TERM", play.Id.ToString());
        var rest = play.StandardOutput.ReadToEnd();
        Assert.True(play.WaitForExit(TimeSpan.FromSeconds(60)));
        var preStop = rest.IndexOf("from-preStop", StringComparison.Ordinal);
        var term = rest.IndexOf("got TERM", StringComparison.Ordinal);
        Assert.True(preStop >= 0 && term > preStop, $"preStop must run before SIGTERM: {rest}");
        env.AssertNoLeftovers();
    }
}
