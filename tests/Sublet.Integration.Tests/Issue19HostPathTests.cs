using System.Text.Json;

namespace Sublet.Integration.Tests;

/// <summary>
/// Issue 19 hole 5. Through a hostPath idmapped to host IDs (upstream's behaviour, the default) a
/// user-namespaced pod's root creates set-ID programs owned by host root that any host user who
/// can reach the directory runs as root: check, play and doctor name the volume. With
/// <c>userNamespaces.hostPathIdmap: pod</c> the same pod writes as its own host IDs, and the
/// same programs give nothing.
/// </summary>
public sealed class Issue19HostPathTests
{
    /// <summary>A host user that has nothing to do with any pod.</summary>
    private const long Someone = 4242;

    private static string Pod(string shared, string tools, string script, string extraVolume = "", string extraMount = "") => $$$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: hp}
        spec:
          hostUsers: false
          restartPolicy: Never
          terminationGracePeriodSeconds: 0
          volumes:
            - {name: shared, hostPath: {path: {{{shared}}}, type: Directory}}
            - {name: tools, hostPath: {path: {{{tools}}}, type: Directory}}
            {{{extraVolume}}}
          containers:
            - name: c
              image: localhost/busybox:demo
              command: [sh, -c, {{{JsonSerializer.Serialize(script)}}}]
              volumeMounts:
                - {name: shared, mountPath: /shared}
                - {name: tools, mountPath: /tools, readOnly: true}
                {{{extraMount}}}
        """;

    private const string Writes = "cp /tools/env /shared/suid && chmod 4755 /shared/suid && cp /tools/env /shared/sgid && chmod 2755 /shared/sgid && cp /tools/cat /shared/caps";

    private static string Shared(SubletEnv env, UnixFileMode mode)
    {
        var shared = Directory.CreateDirectory(Path.Combine(env.Root, "shared")).FullName;
        File.SetUnixFileMode(shared, mode);
        return shared;
    }

    [Fact]
    public void IdmappedToHostIdsTheWritesAreHostRootsAsUpstreamAndCheckPlayAndDoctorSaySo()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var shared = Shared(env, (UnixFileMode)0b111_101_101);
        var manifest = env.WriteManifest(Pod(shared, Issue19PodDataTests.Tools(env), Writes));
        var warning = $"volume \"shared\" (hostPath {shared}) is writable by a pod with hostUsers: false and idmapped to host IDs";

        var check = env.Run("check", manifest);
        var doctor = env.Run("doctor", manifest);
        var play = env.Run("play", "--wait", manifest);

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains(check.Stdout.Split('\n'), l => l.StartsWith("warning", StringComparison.Ordinal) && l.Contains("spec.volumes[0].hostPath", StringComparison.Ordinal) && l.Contains(warning, StringComparison.Ordinal));
        var row = Assert.Single(doctor.Stdout.Split('\n'), l => l.StartsWith("volume \"shared\" (default/hp)", StringComparison.Ordinal));
        Assert.Equal("warn", row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]);
        Assert.Contains(warning, row, StringComparison.Ordinal);
        Assert.DoesNotContain("volume \"tools\"", check.Stdout + play.Stderr, StringComparison.Ordinal); // read-only: nothing to say
        Assert.True(play.ExitCode == 0, play.ToString());
        Assert.Contains($"Warning: pod/hp: {warning}", play.Stderr, StringComparison.Ordinal);
        // On disk the pod's programs are host root's, and any host user runs them as root.
        Assert.Equal("0:0 4755", Host.Run("stat", "-c", "%u:%g %a", Path.Combine(shared, "suid")).Stdout.Trim());
        Assert.Contains("euid=0(root)", HostAttacker.Run(Someone, Someone, false, Path.Combine(shared, "suid"), "id").Stdout);
        Assert.Contains("egid=0(root)", HostAttacker.Run(Someone, Someone, false, Path.Combine(shared, "sgid"), "id").Stdout);
        env.AssertNoLeftovers();
    }

    [Fact]
    public void NotIdmappedThePodWritesAsItsOwnHostIdsAndHostFilesAreNobodys()
    {
        using var env = new SubletEnv();
        // A pool of its own: pods of tests beside it would otherwise draw play's "in use" warning,
        // and this test checks that a writable hostPath draws none.
        env.UsePrivatePool(110);
        env.Configure("userNamespaces: {hostPathIdmap: pod}");
        env.LoadDemoImage();
        // World-writable, so the pod's host IDs may write; a host root file and directory in it.
        var shared = Shared(env, (UnixFileMode)0b111_111_111);
        File.WriteAllText(Path.Combine(shared, "hostfile"), "host\n");
        Directory.CreateDirectory(Path.Combine(shared, "locked"));
        // ramfs can't be idmapped: without an idmap it needs none.
        var ram = Path.Combine(env.Root, "ram");
        env.MountRamfs(ram);
        File.SetUnixFileMode(ram, (UnixFileMode)0b111_111_111);
        var manifest = env.WriteManifest(Pod(shared, Issue19PodDataTests.Tools(env),
            $"stat -c 'host %u:%g' /shared/hostfile; touch /shared/locked/x || echo locked; echo r > /ram/f; {Writes} && echo ready && exec sleep 3600",
            extraVolume: $"- {{name: ram, hostPath: {{path: {ram}}}}}", extraMount: "- {name: ram, mountPath: /ram}"));

        var check = env.Run("check", manifest);
        var doctor = env.Run("doctor", manifest);
        var play = env.Run("play", manifest);

        Assert.True(check.ExitCode == 0 && check.Stdout.Contains("1 pod, no findings", StringComparison.Ordinal), check.ToString());
        var row = Assert.Single(doctor.Stdout.Split('\n'), l => l.StartsWith("volume \"shared\" (default/hp)", StringComparison.Ordinal));
        Assert.Contains("pass", row, StringComparison.Ordinal);
        Assert.Contains("not idmapped (userNamespaces.hostPathIdmap: pod)", row, StringComparison.Ordinal);
        Assert.True(play.ExitCode == 0 && !play.Stderr.Contains("Warning", StringComparison.Ordinal), play.ToString());
        var log = Issue19PodDataTests.WaitForLog(env, "hp", "ready");
        var pod = env.Json("ps")[0];
        var hostId = pod.GetProperty("userNamespace").GetProperty("hostIdStart").GetInt64();
        // Host files show as the overflow ID, and the pod's root has only what "others" have there.
        Assert.Contains("host 65534:65534", log, StringComparison.Ordinal);
        Assert.Contains("locked", log.Split('\n'));
        // The pod's root gives its cat the capability to read any file (through its own mount).
        var setcap = HostAttacker.SetCapabilitiesAsPodRoot(pod.GetProperty("pausePid").GetInt32(),
            HostAttacker.InContainer(pod, "/shared/caps"), "cap_dac_read_search+ep");
        Assert.True(setcap.ExitCode == 0, setcap.ToString());

        Assert.Equal($"{hostId}:{hostId} 4755", Host.Run("stat", "-c", "%u:%g %a", Path.Combine(shared, "suid")).Stdout.Trim());
        Assert.Equal($"{hostId}:{hostId}", Host.Run("stat", "-c", "%u:%g", Path.Combine(ram, "f")).Stdout.Trim());
        var suid = HostAttacker.Run(Someone, Someone, false, Path.Combine(shared, "suid"), "id");
        Assert.Contains($"euid={hostId}", suid.Stdout, StringComparison.Ordinal);
        Assert.Contains($"egid={hostId}", HostAttacker.Run(Someone, Someone, false, Path.Combine(shared, "sgid"), "id").Stdout, StringComparison.Ordinal);
        var caps = HostAttacker.Run(Someone, Someone, false, Path.Combine(shared, "caps"), "/etc/shadow");
        Assert.False(HostAttacker.GotHostRoot(caps), caps.ToString());
        Assert.Contains("Permission denied", caps.Stderr, StringComparison.Ordinal);

        env.Ok("down", "hp");
        env.AssertNoLeftovers();
    }
}
