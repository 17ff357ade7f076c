namespace Sublet.Integration.Tests;

/// <summary>
/// The rootfs where the layer store can't be idmapped (issue 14 item 5): the image store
/// (&lt;stateRoot&gt;/images) on a ramfs, refused by default, a chown copy of the layers with
/// rootfs.userNamespaceMode: idmapOrChownCopy. Only the image store: the pods' own files
/// (/etc/hosts, termination messages) live in the state dir and are idmapped in every mode.
/// </summary>
public sealed class RootfsFallbackTests
{
    private static string Pod(string name, string script) => $$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{name}}}
        spec:
          hostUsers: false
          restartPolicy: Never
          containers:
            - name: c
              image: localhost/busybox:demo
              command: [sh, -c, "{{script}}"]
        """;

    [Fact]
    public void OnRamfsAUserNamespacedPodRunsOnAChownCopyThatGoesWithThePod()
    {
        using var env = new SubletEnv("rootfs: {userNamespaceMode: idmapOrChownCopy}");
        env.MountRamfs(Path.Combine(env.StateRoot, "images"));
        env.LoadDemoImage();

        var manifest = env.WriteManifest(Pod("copy", "id; cat /proc/self/uid_map; stat -c 'owner %u:%g %a' /bin/busybox /tmp; echo ready; sleep 300"));
        env.Ok("play", manifest);
        var inspect = env.Json("inspect", "default/copy");
        Assert.Equal("chown copy", inspect.GetProperty("rootfs").GetProperty("c").GetString());
        var range = env.Json("ids").EnumerateArray().Single().GetProperty("hostIdStart").GetInt64();
        Assert.True(range > 0, "the pod has a host range");

        // On the host, the copy's files belong to the pod's range; the image's own layer to 0.
        var copies = Directory.GetDirectories(Path.Combine(env.StateRoot, "layer-copies")).Where(d => !d.EndsWith("/tmp", StringComparison.Ordinal)).ToList();
        var busybox = Directory.GetFiles(Single(copies), "busybox", SearchOption.AllDirectories).Single();
        Assert.Equal($"{range}:{range} 755", Host.Run("stat", "-c", "%u:%g %a", busybox).Stdout.Trim());
        var tmp = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(busybox))!, "tmp");
        Assert.Equal($"{range}:{range} 1777", Host.Run("stat", "-c", "%u:%g %a", tmp).Stdout.Trim());

        var logs = WaitForLog(env, "default/copy", "ready");
        Assert.Contains("uid=0(root) gid=0(root)", logs);
        Assert.Matches($@"\b0\s+{range}\s+65536\b", logs);
        Assert.Contains("owner 0:0 755", logs);
        Assert.Contains("owner 0:0 1777", logs);

        var doctor = env.Run("doctor", "-o", "json");
        Assert.Equal("warn", DoctorRow(doctor, "idmap: image layers").GetProperty("status").GetString());
        Assert.Equal("pass", DoctorRow(doctor, "idmap: state dir").GetProperty("status").GetString());

        env.Ok("down", "--grace-period", "0", "default/copy");
        env.AssertNoLeftovers();
    }

    [Fact]
    public void OnRamfsTheDefaultRefusesAUserNamespacedPodByFilesystemAndLeavesNothing()
    {
        using var env = new SubletEnv();
        env.MountRamfs(Path.Combine(env.StateRoot, "images"));
        env.LoadDemoImage();

        var result = env.Run("play", "--wait", env.WriteManifest(Pod("refused", "true")));
        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains($"the image layers ({env.StateRoot}/images/layers) are on ramfs, which can't be idmapped", result.Stderr);
        Assert.Contains("rootfs.userNamespaceMode: idmapOrChownCopy", result.Stderr);
        Assert.Empty(env.Json("ps").EnumerateArray());
        Assert.False(Directory.Exists(Path.Combine(env.StateRoot, "layer-copies")), "a refused pod copies nothing");
        env.AssertNoLeftovers();

        // doctor fails the image layers, saying the configured fallback refuses such pods.
        var doctor = env.Run("doctor", "-o", "json");
        Assert.True(doctor.ExitCode != 0, doctor.ToString());
        var row = DoctorRow(doctor, "idmap: image layers");
        Assert.Equal("fail", row.GetProperty("status").GetString());
        Assert.Contains("rootfs.userNamespaceMode is idmap: user-namespaced pods are refused", row.GetProperty("detail").GetString());
    }

    private static System.Text.Json.JsonElement DoctorRow(CliResult doctor, string check) =>
        System.Text.Json.JsonDocument.Parse(doctor.Stdout).RootElement.EnumerateArray().Single(r => r.GetProperty("check").GetString() == check);

    [Fact]
    public void AForcedChownCopyRunsWhereIdmapWorks()
    {
        using var env = new SubletEnv("rootfs: {userNamespaceMode: chownCopy}");
        env.LoadDemoImage();

        var result = env.Run("play", "--wait", env.WriteManifest(Pod("forced", "id -u; stat -c 'owner %u:%g' /etc/passwd; echo x > /tmp/x && echo tmp-ok")));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("owner 0:0", result.Stdout);
        Assert.Contains("tmp-ok", result.Stdout);
        env.AssertNoLeftovers();
    }

    private static string Single(List<string> dirs)
    {
        Assert.True(dirs.Count == 1, $"one range directory expected: [{string.Join(", ", dirs)}]");
        return dirs[0];
    }

    private static string WaitForLog(SubletEnv env, string pod, string marker)
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
