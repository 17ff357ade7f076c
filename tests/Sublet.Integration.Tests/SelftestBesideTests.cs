using System.Diagnostics;

namespace Sublet.Integration.Tests;

/// <summary>
/// <c>sublet selftest</c> on a node that runs other pods (issue 24 item 1): it touches none of them,
/// and what a killed run leaves (its pods, its host victim) goes, with the next run or at once.
/// </summary>
public sealed class SelftestBesideTests
{
    private const string Sleeper = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: NAME
        spec:
          hostUsers: USERS
          terminationGracePeriodSeconds: 1
          containers:
            - name: main
              image: localhost/busybox:demo
              command: ["sleep", "3600"]
        """;

    private static Dictionary<string, (int Pid, int Restarts)> Pods(SubletEnv env) =>
        env.Json("ps").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p =>
        {
            var c = p.GetProperty("containers")[0];
            return (c.GetProperty("pid").GetInt32(), c.GetProperty("restartCount").GetInt32());
        });

    [Fact]
    public void Selftest_leaves_the_nodes_pods_running_untouched()
    {
        using var env = new SubletEnv("maxPods: 3");
        env.LoadDemoImage();
        env.UsePrivatePool(3);
        env.Ok("play", env.WriteManifest(Sleeper.Replace("NAME", "userns-app").Replace("USERS", "false"), "a.yaml"));
        env.Ok("play", env.WriteManifest(Sleeper.Replace("NAME", "host-app").Replace("USERS", "true"), "b.yaml"));
        var before = Pods(env);

        var report = env.Json("selftest");

        Assert.All(report.GetProperty("probes").EnumerateArray(), p => Assert.False(p.GetProperty("escaped").GetBoolean(), p.ToString()));
        Assert.Equal(before, Pods(env));
        Assert.All(before.Values, p => Assert.True(Directory.Exists($"/proc/{p.Pid}"), $"pid {p.Pid} is gone"));
        env.Ok("down", "userns-app");
        env.Ok("down", "host-app");
        env.AssertNoLeftovers();
    }

    // A killed run's in-flight `runc create` can leave a `runc:[2:INIT]` (ppid 1) in a probe pod's
    // user namespace with no state runc knows; the next run's removal of stale sandboxes kills what
    // is left in their cgroups, or this small pool would have both ranges in use.
    [Fact]
    public void A_killed_selftest_takes_its_host_victim_with_it_and_the_next_run_removes_its_pods()
    {
        using var env = new SubletEnv("maxPods: 2");
        env.LoadDemoImage();
        env.UsePrivatePool(2);
        using var first = env.Start("selftest");
        var hostDir = "";
        try
        {
            // Wait for the host victim (selftest's own child) and a probe container beside the four
            // pause and two victim containers: the run is then trying probes.
            var victim = WaitFor(() => Children(first.Id).Select(pid => (int?)pid).FirstOrDefault(pid => Comm(pid!.Value) == "sleep"), "selftest's host victim");
            WaitFor(() => Directory.Exists(env.RuncRoot) && Directory.GetDirectories(env.RuncRoot).Length >= 7 ? 1 : null, "a probe container");
            // SIGKILL to selftest and the helpers it is running (runc, nsenter), as a terminal's
            // Ctrl-C reaches its whole process group: no finally runs in selftest.
            hostDir = File.ReadAllText(Path.Combine(env.StateRoot, "selftest-hostdir")).Trim();
            first.Kill(entireProcessTree: true);
            first.WaitForExit();
            WaitFor(() => Directory.Exists($"/proc/{victim}") && Comm(victim) == "sleep" ? null : (int?)1, "the host victim to end with selftest");
        }
        finally
        {
            if (!first.HasExited)
            {
                hostDir = File.ReadAllText(Path.Combine(env.StateRoot, "selftest-hostdir")).Trim();
            first.Kill(entireProcessTree: true);
            }
        }

        Assert.True(Directory.Exists(hostDir), $"the killed run's host directory {hostDir} is not there to be found");

        var report = env.Json("selftest");

        Assert.All(report.GetProperty("probes").EnumerateArray(), p => Assert.False(p.GetProperty("escaped").GetBoolean(), p.ToString()));
        Assert.False(Directory.Exists(hostDir), $"the killed run's host directory {hostDir} is left");
        Assert.False(Directory.Exists(Path.Combine(env.StateRoot, "selftest")), "selftest's scratch directory is left");
        env.AssertNoLeftovers();
    }

    private static IEnumerable<int> Children(int pid)
    {
        var path = $"/proc/{pid}/task/{pid}/children";
        var text = File.Exists(path) ? File.ReadAllText(path) : "";
        // The victim is started from some thread of selftest: look at every thread's children.
        var all = Directory.Exists($"/proc/{pid}/task")
            ? Directory.GetDirectories($"/proc/{pid}/task").SelectMany(t => TryRead(Path.Combine(t, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            : text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return all.Select(int.Parse).ToList();
    }

    private static string TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string Comm(int pid) => TryRead($"/proc/{pid}/comm").Trim();

    private static int WaitFor(Func<int?> found, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (found() is { } value)
            {
                return value;
            }
            Thread.Sleep(20);
        }
        throw new TimeoutException($"waited 2 minutes for {what}");
    }
}
