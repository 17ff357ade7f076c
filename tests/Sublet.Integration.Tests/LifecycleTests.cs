using System.Diagnostics;
using Sublet.Runtime.State;

namespace Sublet.Integration.Tests;

/// <summary>The kubelet's lifecycle rules, carried out by conmon exit hooks while no `sublet` command runs (issue 12).</summary>
public sealed class LifecycleTests
{
    internal static PodRecord WaitFor(SubletEnv env, string pod, Func<StateStore, PodRecord, bool> condition)
    {
        using var store = new StateStore(env.StateRoot);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (store.FindPod(pod) is { } record && condition(store, record))
            {
                return record;
            }
            Thread.Sleep(100);
        }
        Assert.Fail($"pod {pod} did not get there: {env.Run("ps").Stdout}");
        return null!;
    }

    [Fact]
    public void InitContainersRunInOrderBeforeTheApp()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: ordered}
            spec:
              hostUsers: false
              restartPolicy: Never
              initContainers:
                - {name: first, image: localhost/busybox:demo, command: [sh, -c, "sleep 0.3; echo first"]}
                - {name: second, image: localhost/busybox:demo, command: [sh, -c, "echo second"]}
              containers:
                - {name: app, image: localhost/busybox:demo, command: [sh, -c, "echo app"]}
            """));

        var pod = WaitFor(env, "ordered", (_, p) => p.State != PodState.Running && p.State != PodState.Creating);
        Assert.Equal(PodState.Succeeded, pod.State);
        using var store = new StateStore(env.StateRoot);
        var c = store.Containers(pod.Id).ToDictionary(x => x.Name);
        Assert.True(c["first"].Finished <= c["second"].Started, "second started before first ended");
        Assert.True(c["second"].Finished <= c["app"].Started, "app started before the init containers ended");
        Assert.Equal("second\n", env.Ok("logs", "ordered", "-c", "second").Stdout);
    }

    [Fact]
    public void ASidecarIsStoppedWhenTheAppIsDoneAndThePodEndsAfterIt()
    {
        // Regression (issue 20 item 4): the pod was marked Succeeded by a reader before the syncer
        // could stop the sidecar, which then ran on. A shell as PID 1 ignores SIGTERM: the grace
        // period (1 s here) ends with SIGKILL.
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: sidecarred}
            spec:
              hostUsers: false
              restartPolicy: Never
              terminationGracePeriodSeconds: 1
              initContainers:
                - {name: proxy, image: localhost/busybox:demo, restartPolicy: Always, command: [sh, -c, "while :; do sleep 1; done"]}
              containers:
                - {name: app, image: localhost/busybox:demo, command: [sh, -c, "sleep 0.5"]}
            """));

        var pod = WaitFor(env, "sidecarred", (_, p) => p.State != PodState.Running && p.State != PodState.Creating);
        Assert.Equal(PodState.Succeeded, pod.State);
        using var store = new StateStore(env.StateRoot);
        var c = store.Containers(pod.Id).ToDictionary(x => x.Name);
        Assert.Equal(ContainerState.Exited, c["proxy"].State);
        Assert.Equal(137, c["proxy"].ExitCode);
        Assert.DoesNotContain(c["proxy"].Id, env.Leftovers().Containers.Where(id => Host.Run("runc", "--root", env.RuncRoot, "state", id).Stdout.Contains("\"running\"")));
    }

    [Fact]
    public void AFailingInitContainerFailsThePodUnderNeverAndTheAppNeverStarts()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var result = env.Run("play", "--wait", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: broken-init}
            spec:
              restartPolicy: Never
              initContainers:
                - {name: setup, image: localhost/busybox:demo, command: [sh, -c, "exit 7"]}
              containers:
                - {name: app, image: localhost/busybox:demo, command: [sh, -c, "echo must-not-run"]}
            """));

        Assert.Equal(7, result.ExitCode);
        Assert.DoesNotContain("must-not-run", result.Stdout);
        env.AssertNoLeftovers();
    }

    [Fact]
    public void AFailingAppIsRestartedWithDoublingBackOffWhileNoSubletRuns()
    {
        using var env = new SubletEnv("restartBackoffSeconds: 0.5");
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: crashy}
            spec:
              hostUsers: false
              restartPolicy: OnFailure
              terminationGracePeriodSeconds: 0
              containers:
                - {name: app, image: localhost/busybox:demo, command: [sh, -c, "echo attempt; exit 3"]}
            """));

        // Each time the container waits in back-off, the recorded delay is base × 2^restarts.
        var seen = new Dictionary<int, TimeSpan>();
        WaitFor(env, "crashy", (store, p) =>
        {
            var app = store.Containers(p.Id).Single();
            if (app is { State: ContainerState.Waiting, NextStart: { } next, Finished: { } finished })
            {
                seen[app.RestartCount] = next - finished;
            }
            // A loaded machine may poll past the shortest (0.5 s) window: two sightings, one at
            // two restarts or more, show the doubling without depending on catching each one.
            return seen.Count >= 2 && seen.Keys.Max() >= 2;
        });
        Assert.All(seen, s => Assert.Equal(TimeSpan.FromSeconds(0.5 * Math.Pow(2, s.Key)), s.Value));

        // ps may look while the container is between its restart and its next exit: look again until it waits.
        var watch = Stopwatch.StartNew();
        var ps = env.Ok("ps").Stdout;
        while (!ps.Contains("CrashLoopBackOff", StringComparison.Ordinal) && watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            Thread.Sleep(100);
            ps = env.Ok("ps").Stdout;
        }
        Assert.Contains("CrashLoopBackOff", ps);
        var app = env.Json("ps")[0].GetProperty("containers")[0];
        Assert.True(app.GetProperty("restartCount").GetInt32() >= 2);
        Assert.Equal(3, app.GetProperty("lastState").GetProperty("exitCode").GetInt32());

        env.Ok("down", "crashy");
        Thread.Sleep(200);
        Assert.DoesNotContain(Host.Run("pgrep", "-af", "sync-pod").Stdout.Split('\n'), l => l.Contains(env.ConfigPath));
        env.AssertNoLeftovers();
    }

    [Fact]
    public void PlayWaitRestartsAndOrdersContainersItselfWithoutExitCommands()
    {
        // `play --wait` starts containers with no conmon exit command (issue 23): the waiting
        // process must do what the hooks did, or this pod would hang after its first exit.
        using var env = new SubletEnv("restartBackoffSeconds: 0.2");
        env.LoadDemoImage();
        var result = env.RunWithTimeout(TimeSpan.FromSeconds(90), "play", "--wait", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: retried}
            spec:
              hostUsers: false
              restartPolicy: OnFailure
              volumes: [{name: data, emptyDir: {}}]
              initContainers:
                - {name: first, image: localhost/busybox:demo, command: [sh, -c, "sleep 0.2; echo init-done"]}
              containers:
                - name: app
                  image: localhost/busybox:demo
                  volumeMounts: [{name: data, mountPath: /data}]
                  command: [sh, -c, "n=$(($(cat /data/n 2>/dev/null || echo 0) + 1)); echo $n > /data/n; echo run-$n; [ $n -ge 3 ]"]
            """));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("init-done", result.Stdout);
        foreach (var run in new[] { "run-1", "run-2", "run-3" })
        {
            Assert.Contains(run, result.Stdout);
        }
        Assert.True(result.Stdout.IndexOf("init-done", StringComparison.Ordinal) < result.Stdout.IndexOf("run-1", StringComparison.Ordinal), result.Stdout);
        env.AssertNoLeftovers();
    }

    [Fact]
    public void EachAttemptHasItsOwnLogAndLogsPreviousShowsTheOneBefore()
    {
        using var env = new SubletEnv("restartBackoffSeconds: 0.2");
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: attempts}
            spec:
              restartPolicy: OnFailure
              terminationGracePeriodSeconds: 0
              volumes: [{name: data, emptyDir: {}}]
              containers:
                - name: app
                  image: localhost/busybox:demo
                  volumeMounts: [{name: data, mountPath: /data}]
                  command: [sh, -c, "n=$(($(cat /data/n 2>/dev/null || echo 0) + 1)); echo $n > /data/n; echo run-$n; [ $n -ge 3 ] && exec sleep 600; exit 1"]
            """));

        var pod = WaitFor(env, "attempts", (store, p) => store.Containers(p.Id).Single() is { RestartCount: 2, State: ContainerState.Running });
        // The third attempt has printed once its log holds the line.
        var logs = env.Ok("logs", "attempts").Stdout;
        for (var i = 0; i < 50 && !logs.Contains("run-3", StringComparison.Ordinal); i++)
        {
            Thread.Sleep(100);
            logs = env.Ok("logs", "attempts").Stdout;
        }
        Assert.Equal("run-3\n", logs);
        Assert.Equal("run-2\n", env.Ok("logs", "attempts", "--previous").Stdout);
        // The kubelet keeps the current attempt's log and the one before it.
        var dir = Path.Combine(env.StateRoot, "pods", pod.Id, "c", "app");
        Assert.Equal(["1.log", "2.log"], Directory.GetFiles(dir, "*.log").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        env.Ok("down", "attempts");
        env.AssertNoLeftovers();
    }

    [Fact]
    public void LogsPreviousOfAContainerThatNeverRestartedSaysSoInTheKubeletsWords()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: once}
            spec:
              terminationGracePeriodSeconds: 0
              containers:
                - {name: app, image: localhost/busybox:demo, command: [sleep, "600"]}
            """));

        var result = env.Run("logs", "once", "-p");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("previous terminated container \"app\" in pod \"once\" not found", result.Stderr);
        env.Ok("down", "once");
        env.AssertNoLeftovers();
    }

    [Fact]
    public void SharedProcessNamespaceShowsOneContainersProcessesToAnother()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var result = env.Run("play", "--wait", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: shared}
            spec:
              hostUsers: false
              restartPolicy: Never
              shareProcessNamespace: true
              terminationGracePeriodSeconds: 0
              containers:
                - {name: sleeper, image: localhost/busybox:demo, command: [sleep, "2"]}
                - {name: looker, image: localhost/busybox:demo, command: [sh, -c, "sleep 0.5; ps -o pid,args | grep -c '[s]leep 2'; cat /proc/1/comm"]}
            """));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("shared/looker | 1", result.Stdout);
        Assert.Contains("shared/looker | catatonit", result.Stdout); // PID 1 is the sandbox's reaper
    }
}
