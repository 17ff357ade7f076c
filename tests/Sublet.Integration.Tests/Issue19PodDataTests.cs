using System.Text.Json;

namespace Sublet.Integration.Tests;

/// <summary>
/// Issue 19 hole 1 and its kind. A user-namespaced pod's root writes programs into every place it
/// can write: its memory and disk emptyDirs and its /etc/hosts and termination-message file (all
/// land on the host as host root through the idmap) and its root filesystem; they are made
/// set-user-ID, set-group-ID, or given file capabilities (by the pod's root, through its mounts).
/// A process with the pod's host IDs, with and without the pod's group, then runs every such file
/// under the run and state roots: none makes it host root. A copy of the same files on an ordinary
/// filesystem does, so the test is real.
/// </summary>
public sealed class Issue19PodDataTests
{
    private const string Writer = """
        set -e
        for d in /mem /disk /tmp; do
          cp /tools/env $d/suid; chmod 4755 $d/suid
          cp /tools/env $d/sgid; chmod 2755 $d/sgid
          cp /tools/cat $d/caps
        done
        cat /tools/env > /etc/hosts; chmod 6755 /etc/hosts
        cat /tools/env > /dev/termination-log; chmod 6755 /dev/termination-log
        grep -E ' /(mem|disk) ' /proc/self/mounts
        echo ready
        exec sleep 3600
        """;

    private static string Pod(string tools) => $$$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: writer}
        spec:
          hostUsers: false
          terminationGracePeriodSeconds: 0
          volumes:
            - {name: mem, emptyDir: {medium: Memory}}
            - {name: disk, emptyDir: {}}
            - {name: tools, hostPath: {path: {{{tools}}}, type: Directory}}
          containers:
            - name: c
              image: localhost/busybox:demo
              command: [sh, -c, {{{JsonSerializer.Serialize(Writer)}}}]
              volumeMounts:
                - {name: mem, mountPath: /mem}
                - {name: disk, mountPath: /disk}
                - {name: tools, mountPath: /tools, readOnly: true}
        """;

    [Fact]
    public void SetIdAndCapableFilesThePodWritesGiveItsHostIdsNothingFromTheHostSide()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var tools = Tools(env);
        env.Ok("play", env.WriteManifest(Pod(tools)));
        var log = WaitForLog(env, "writer", "ready");
        var pod = env.Json("ps")[0];
        var id = pod.GetProperty("id").GetString()!;
        var hostId = pod.GetProperty("userNamespace").GetProperty("hostIdStart").GetInt64();
        var run = Path.Combine(env.RunRoot, "pods", id);
        var state = Path.Combine(env.StateRoot, "pods", id);
        // The pod's root gives its copies of cat the capability to read any file, through its own mounts.
        var container = pod.GetProperty("containers")[0].GetProperty("id").GetString()!;
        foreach (var place in new[] { "/mem/caps", "/disk/caps", "/tmp/caps" })
        {
            var setcap = HostAttacker.SetCapabilitiesAsPodRoot(pod.GetProperty("pausePid").GetInt32(), HostAttacker.InContainer(pod, place), "cap_dac_read_search+ep");
            Assert.True(setcap.ExitCode == 0, setcap.ToString());
        }

        // The same files, copied as they are onto an ordinary filesystem, make that process host root.
        var control = Directory.CreateDirectory(Path.Combine(env.Root, "control")).FullName;
        File.SetUnixFileMode(control, (UnixFileMode)0b111_101_101);
        Assert.Equal(0, Host.Run("cp", "--preserve=mode,ownership,xattr", Path.Combine(run, "tmpfs/mem/suid"), Path.Combine(run, "tmpfs/mem/caps"), Path.Combine(state, "kubelet/etc/hosts"), control).ExitCode);
        Assert.Contains("euid=0(root)", HostAttacker.Run(hostId, hostId, false, Path.Combine(control, "suid"), "id").Stdout);
        Assert.Contains("euid=0(root)", HostAttacker.Run(hostId, hostId, false, Path.Combine(control, "hosts"), "id").Stdout);
        Assert.StartsWith("root:", HostAttacker.Run(hostId, hostId, false, Path.Combine(control, "caps"), "/etc/shadow").Stdout);

        // Every set-ID or capable file below the pod's directories, as root finds them.
        var setId = Host.Run("find", run, state, "-type", "f", "-perm", "/6000").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var capable = Host.Run("getcap", "-r", run, state).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]);
        var found = setId.Concat(capable).Distinct().ToList();
        foreach (var expected in new[]
        {
            // The container's own clones (m/CID/INDEX): /etc/hosts is mount 3 (after the three volumes), the termination log 6.
            "tmpfs/mem/suid", "tmpfs/mem/sgid", "tmpfs/mem/caps", $"m/{container}/0/suid", $"m/{container}/1/caps", $"c/{container}/rootfs/tmp/suid", $"m/{container}/3", $"m/{container}/6",
        })
        {
            Assert.Contains(Path.Combine(run, expected), found);
        }
        foreach (var expected in new[] { "volumes/disk/suid", "volumes/disk/sgid", "volumes/disk/caps", "kubelet/etc/hosts", "c/c/termination-log", $"c/{container}/upper/tmp/suid", $"c/{container}/upper/tmp/caps" })
        {
            Assert.Contains(Path.Combine(state, expected), found);
        }
        foreach (var file in found)
        {
            var args = file.EndsWith("caps", StringComparison.Ordinal) ? "/etc/shadow" : "id";
            foreach (var attempt in new[]
            {
                HostAttacker.Run(hostId, hostId, withGroup: false, file, args),
                HostAttacker.Run(hostId, hostId, withGroup: true, file, args),
                HostAttacker.RunReachingAnyPath(hostId, hostId, file, args),
            })
            {
                Assert.False(HostAttacker.GotHostRoot(attempt), $"{file}: {attempt}");
            }
        }
        // The issue's path: the memory emptyDir's tmpfs is out of the pod's reach on the host.
        Assert.Contains("Permission denied", HostAttacker.Run(hostId, hostId, withGroup: true, Path.Combine(run, "tmpfs/mem/suid"), "id").Stderr);
        // Inside the pod its emptyDirs still honour set-ID bits, as the kubelet's do.
        Assert.Equal(2, log.Split('\n').Count(l => l.Contains(" /mem ", StringComparison.Ordinal) || l.Contains(" /disk ", StringComparison.Ordinal)));
        Assert.DoesNotContain("nosuid", string.Join('\n', log.Split('\n').Where(l => l.Contains(" /mem ", StringComparison.Ordinal) || l.Contains(" /disk ", StringComparison.Ordinal))));

        env.Ok("down", "writer");
        env.AssertNoLeftovers();
    }

    /// <summary>The payloads a pod would bring: the host's own env (runs a command, shows `id`) and cat.</summary>
    internal static string Tools(SubletEnv env)
    {
        var tools = Directory.CreateDirectory(Path.Combine(env.Root, "tools")).FullName;
        File.Copy("/usr/bin/env", Path.Combine(tools, "env"));
        File.Copy("/usr/bin/cat", Path.Combine(tools, "cat"));
        File.SetUnixFileMode(tools, (UnixFileMode)0b111_101_101);
        return tools;
    }

    internal static string WaitForLog(SubletEnv env, string pod, string marker)
    {
        // Poll until the container printed its marker; bounded so a broken pod fails the test.
        for (var i = 0; i < 300; i++)
        {
            var logs = env.Run("logs", pod);
            if (logs.Stdout.Contains(marker, StringComparison.Ordinal))
            {
                return logs.Stdout;
            }
            Thread.Sleep(100);
        }
        Assert.Fail($"{pod} never printed {marker}: {env.Run("logs", pod)}");
        return "";
    }
}
