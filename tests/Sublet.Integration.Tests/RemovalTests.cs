using Sublet.Runtime.State;

namespace Sublet.Integration.Tests;

/// <summary>
/// A pod can't make itself impossible to remove: directory chains deeper than PATH_MAX in its
/// emptyDir and writable layer go (TreeRemover), and a tree that still won't (a mount below it)
/// is moved aside, so its record and ID range are always released.
/// </summary>
public sealed class RemovalTests
{
    /// <summary>
    /// Shell that builds a 25 × 101 deep chain of directories in <c>$1</c>, each level with a file
    /// and a symlink to /. No path can name its bottom (busybox's cd fails past PATH_MAX), so a
    /// short segment is made by path and the chain so far moved below it, as an attacker would.
    /// </summary>
    private static string Deep()
    {
        var segment = string.Join('/', Enumerable.Repeat("a", 100));
        var rounds = string.Join(' ', Enumerable.Range(1, 25));
        return $"deep() {{ cd $1 && mkdir t && for j in {rounds}; do mkdir -p s/{segment} && touch s/{segment}/f && ln -s / s/{segment}/root && mv t s/{segment}/t && mv s t || return 1; done; }}";
    }

    private static string Pod(string name, string restartPolicy, string script) => $$$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{{name}}}}
        spec:
          hostUsers: false
          restartPolicy: {{{restartPolicy}}}
          volumes:
            - {name: scratch, emptyDir: {}}
          containers:
            - name: c
              image: localhost/busybox:demo
              command: [sh, -c, "{{{script}}}"]
              volumeMounts:
                - {name: scratch, mountPath: /scratch}
        """;

    [Fact]
    public void ChainsDeeperThanPathMaxInAnEmptyDirAndTheWritableLayerAreClearedOnRestartAndRemovedByDown()
    {
        using var env = new SubletEnv("restartBackoffSeconds: 0.5");
        env.LoadDemoImage();
        // First run: chains in the rootfs (/tmp, the writable layer) and the emptyDir, then fail.
        // Second run: the restart cleared the writable layer, however deep; the emptyDir stays.
        env.Ok("play", env.WriteManifest(Pod("deep", "OnFailure",
            $"if [ -e /scratch/done ]; then test ! -e /tmp/t && test -e /scratch/t/a; exit; fi; {Deep()}; deep /tmp && deep /scratch && touch /scratch/done && exit 1")));
        var pod = LifecycleTests.WaitFor(env, "deep", (_, p) => p.State is PodState.Succeeded or PodState.Failed);
        Assert.True(pod.State == PodState.Succeeded, env.Run("logs", "deep").ToString());
        var paths = new Sublet.Runtime.Pods.PodPaths(env.RunRoot, env.StateRoot, pod.Id);
        Assert.True(Directory.Exists(Path.Combine(paths.StateDir, "volumes", "scratch", "t", "a")), "the emptyDir's chain is there before down");
        Assert.Single(env.Json("ids").EnumerateArray());

        var down = env.Run("down", "deep");

        Assert.True(down.ExitCode == 0 && !down.Stderr.Contains("Warning", StringComparison.Ordinal), down.ToString());
        Assert.Empty(env.Json("ids").EnumerateArray());
        Assert.False(Path.Exists(paths.StateDir), paths.StateDir);
        Assert.False(Path.Exists(Path.Combine(env.StateRoot, "pods", "trash")), "nothing had to be moved aside");
        env.AssertNoLeftovers();
    }

    [Fact]
    public void AMountInsideAPodTreeIsNotEnteredAndThePodIsRemovedAnyway()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest(Pod("mounted", "Never", "true")));
        var pod = LifecycleTests.WaitFor(env, "mounted", (_, p) => p.State is PodState.Succeeded or PodState.Failed);
        var paths = new Sublet.Runtime.Pods.PodPaths(env.RunRoot, env.StateRoot, pod.Id);
        // A mount Sublet did not make, below the pod's state directory (where nothing is unmounted).
        var mount = Path.Combine(paths.StateDir, "volumes", "scratch", "m");
        Directory.CreateDirectory(mount);
        Assert.Equal(0, Host.Run("mount", "-t", "tmpfs", "tmpfs", mount).ExitCode);
        try
        {
            File.WriteAllText(Path.Combine(mount, "kept"), "x");

            var down = env.Run("down", "mounted");

            Assert.True(down.ExitCode == 0, down.ToString());
            Assert.Contains($"a mount of another filesystem is in the way (unmount it first): {mount}", down.Stderr);
            // Moved aside on the pods' nosuid mount (issue 19), where it was.
            Assert.Contains(Path.Combine(env.StateRoot, "pods", "trash", pod.Id + "-"), down.Stderr);
            Assert.Empty(env.Json("ids").EnumerateArray());
            Assert.False(Path.Exists(paths.StateDir));
            // The mount was not entered: its file is still there, moved aside with the tree.
            var moved = Assert.Single(Directory.GetDirectories(Path.Combine(env.StateRoot, "pods", "trash")));
            Assert.Equal("x", File.ReadAllText(Path.Combine(moved, "volumes", "scratch", "m", "kept")));
        }
        finally
        {
            foreach (var m in File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(m => m.StartsWith(env.StateRoot, StringComparison.Ordinal) && m.EndsWith("/m", StringComparison.Ordinal)))
            {
                Host.Run("umount", m);
            }
        }
        env.AssertNoLeftovers();
    }
}
