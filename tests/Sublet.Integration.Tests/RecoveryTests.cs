using Sublet.Runtime.State;

namespace Sublet.Integration.Tests;

/// <summary>State survives what kills processes: a reboot, a dead sandbox (issue 12 item 7).</summary>
public sealed class RecoveryTests
{
    private const string Sleeper = """
        apiVersion: v1
        kind: Pod
        metadata: {name: survivor}
        spec:
          hostUsers: false
          terminationGracePeriodSeconds: 0
          containers:
            - {name: main, image: localhost/busybox:demo, command: [sleep, "3600"]}
        """;

    [Fact]
    public void AfterASimulatedRebootPsTellsTheTruthAndDownFreesTheRange()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest(Sleeper));
        var podId = env.Json("ps")[0].GetProperty("id").GetString()!;

        // The reboot: another boot id, every process gone, the run root (tmpfs on a real node) empty.
        using (var store = new StateStore(env.StateRoot))
        {
            store.UpdatePod(store.FindPod(podId)! with { BootId = "an-earlier-boot" });
        }
        // Monitors first, so that nothing records the exits, as in a power cut.
        foreach (var pidFile in Directory.EnumerateFiles(env.StateRoot, "conmon.pid", SearchOption.AllDirectories))
        {
            Host.Run("kill", "-KILL", File.ReadAllText(pidFile).Trim());
        }
        foreach (var id in Host.Run("runc", "--root", env.RuncRoot, "list", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Host.Run("runc", "--root", env.RuncRoot, "kill", id, "KILL");
        }
        Thread.Sleep(500);
        foreach (var id in Host.Run("runc", "--root", env.RuncRoot, "list", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Host.Run("runc", "--root", env.RuncRoot, "delete", "--force", id);
        }
        foreach (var mount in File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(m => m.StartsWith(env.RunRoot, StringComparison.Ordinal)).OrderByDescending(m => m.Length))
        {
            Host.Run("umount", "-l", mount);
        }
        Directory.Delete(env.RunRoot, recursive: true);

        var pod = env.Json("ps")[0];
        Assert.Equal("Failed", pod.GetProperty("state").GetString());
        Assert.Contains("restarted", pod.GetProperty("reason").GetString());
        var main = pod.GetProperty("containers")[0];
        Assert.Equal("Exited", main.GetProperty("state").GetString());
        Assert.Equal(255, main.GetProperty("exitCode").GetInt32());
        Assert.Single(env.Json("ids").EnumerateArray()); // still held until the pod is removed: nobody else gets it

        env.Ok("down", "survivor");
        Assert.Empty(env.Json("ids").EnumerateArray());
        env.AssertNoLeftovers();
    }

    [Fact]
    public void ADeadSandboxIsRecognisedByPidAndStartTime()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest(Sleeper));
        var pod = env.Json("ps")[0];
        Host.Run("runc", "--root", env.RuncRoot, "kill", pod.GetProperty("id").GetString()!, "KILL");
        Thread.Sleep(500);

        var after = env.Json("ps")[0];
        Assert.Equal("Failed", after.GetProperty("state").GetString());
        Assert.Contains("sandbox", after.GetProperty("reason").GetString());
        env.Ok("down", "survivor");
        env.AssertNoLeftovers();
    }
}
