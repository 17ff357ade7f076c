namespace Sublet.Integration.Tests;

/// <summary>volumeMounts beyond a plain bind (issue 14 item 1), in user-namespaced pods: subPath, subPathExpr, recursiveReadOnly, memory emptyDir, fsGroup.</summary>
public sealed class VolumeMountTests
{
    private static string Pod(string name, string volumes, string mounts, string script, string extra = "") => $$$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{{name}}}}
        spec:
          hostUsers: false
          restartPolicy: Never
        {{{extra}}}
          volumes:
        {{{volumes}}}
          containers:
            - name: c
              image: localhost/busybox:demo
              env: [{name: WHO, value: alpha}]
              command: [sh, -c, "{{{script}}}"]
              volumeMounts:
        {{{mounts}}}
        """;

    private static string HostDir(string dir) => $"    - {{name: data, hostPath: {{path: {dir}, type: Directory}}}}";

    [Fact]
    public void SubPathsMountAFileADirectoryAMissingDirectoryAndAnExpandedPath()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var dir = Path.Combine(env.Root, "data");
        Directory.CreateDirectory(Path.Combine(dir, "conf"));
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        File.WriteAllText(Path.Combine(dir, "conf", "app.txt"), "from-file\n");
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("750", 8));
        var mounts = """
                    - {name: data, mountPath: /etc/app.txt, subPath: conf/app.txt, readOnly: true}
                    - {name: data, mountPath: /sub, subPath: sub}
                    - {name: data, mountPath: /made, subPath: new/deeper}
                    - {name: data, mountPath: /expr, subPathExpr: per-$(WHO)}
            """;
        var result = env.Run("play", "--wait", env.WriteManifest(Pod("sub", HostDir(dir), mounts,
            "cat /etc/app.txt; ls /sub; echo w > /sub/w && echo sub-ok; stat -c 'made %u:%g' /made; echo e > /expr/e && echo expr-ok; echo no > /etc/app.txt || echo file-ro-ok")));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("from-file", result.Stdout);
        Assert.Contains("sub-ok", result.Stdout);
        Assert.Contains("made 0:0", result.Stdout);
        Assert.Contains("expr-ok", result.Stdout);
        Assert.Contains("file-ro-ok", result.Stdout);
        Assert.Equal("0:0", Host.Run("stat", "-c", "%u:%g", Path.Combine(dir, "sub", "w")).Stdout.Trim());
        Assert.True(File.Exists(Path.Combine(dir, "per-alpha", "e")));
        // Created as the kubelet does: directories with the volume root's mode.
        Assert.Equal("750 0:0", Host.Run("stat", "-c", "%a %u:%g", Path.Combine(dir, "new", "deeper")).Stdout.Trim());
        env.AssertNoLeftovers();
    }

    [Theory]
    [InlineData("/etc")]
    [InlineData("../..")]
    public void ASubPathSymlinkLeadingOutOfTheVolumeIsRefusedAndNothingIsLeft(string linkTarget)
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var dir = Path.Combine(env.Root, "data");
        Directory.CreateDirectory(dir);
        File.CreateSymbolicLink(Path.Combine(dir, "escape"), linkTarget);
        var before = env.Leftovers();

        var result = env.Run("play", "--wait", env.WriteManifest(Pod("escape", HostDir(dir),
            "            - {name: data, mountPath: /mnt, subPath: escape}", "ls /mnt")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"container \"c\": volumeMounts[0] (volume \"data\" at /mnt): subpath \"escape\" not within volume path \"{dir}\"", result.Stderr);
        Assert.Equal(before.ToString(), env.Leftovers().ToString());
        env.AssertNoLeftovers();
        Assert.Empty(env.Json("ids").EnumerateArray());
    }

    [Fact]
    public void RecursiveReadOnlyEnabledMakesSubmountsReadOnlyWhereAPlainReadOnlyMountDoesNot()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var dir = Path.Combine(env.Root, "data");
        var sub = Path.Combine(dir, "sub");
        Directory.CreateDirectory(sub);
        Assert.Equal(0, Host.Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", sub).ExitCode);
        try
        {
            var mounts = """
                        - {name: data, mountPath: /plain, readOnly: true}
                        - {name: data, mountPath: /rro, readOnly: true, recursiveReadOnly: Enabled}
                """;
            var result = env.Run("play", "--wait", env.WriteManifest(Pod("rro", HostDir(dir), mounts,
                "touch /plain/top || echo plain-top-ro; touch /plain/sub/x && echo plain-sub-writable; touch /rro/sub/y || echo rro-sub-ro")));

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("plain-top-ro", result.Stdout);
            Assert.Contains("plain-sub-writable", result.Stdout); // upstream behaviour without recursiveReadOnly
            Assert.Contains("rro-sub-ro", result.Stdout);
            Assert.False(File.Exists(Path.Combine(sub, "y")));
        }
        finally
        {
            Host.Run("umount", sub);
        }
        env.AssertNoLeftovers();
    }

    [Fact]
    public void AMemoryEmptyDirIsATmpfsOfItsSizeLimit()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var result = env.Run("play", "--wait", env.WriteManifest(Pod("mem",
            "    - {name: ram, emptyDir: {medium: Memory, sizeLimit: 1Mi}}",
            "            - {name: ram, mountPath: /ram}",
            "stat -f -c 'fs %T' /ram; stat -c 'owner %u:%g' /ram; dd if=/dev/zero of=/ram/fill bs=4096 count=400 2>&1; ls -l /ram/fill")));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("fs tmpfs", result.Stdout);
        Assert.Contains("owner 0:0", result.Stdout);
        Assert.Contains("No space left on device", result.Stdout);
        Assert.Contains(" 1048576 ", result.Stdout); // what was written stopped at 1 MiB
        env.AssertNoLeftovers();
    }

    [Fact]
    public void FsGroupOwnsEmptyDirsAsThePodSeesItAndOnDisk()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var manifest = env.WriteManifest(Pod("fsgroup",
            "    - {name: data, emptyDir: {}}\n    - {name: ram, emptyDir: {medium: Memory}}\n    - {name: cfg, configMap: {name: app}}",
            "            - {name: data, mountPath: /data}\n            - {name: ram, mountPath: /ram}\n            - {name: cfg, mountPath: /cfg}",
            "id -G; stat -c '%n %g %a' /data /ram /cfg; stat -L -c '%n %g %a' /cfg/key; touch /data/f /ram/f; stat -c '%n %u:%g' /data/f /ram/f; touch /data/done; sleep 60",
            "  terminationGracePeriodSeconds: 1\n  securityContext: {fsGroup: 2000, runAsUser: 1000, runAsGroup: 3000}")
            + "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {key: value}\n");
        try
        {
            env.Ok("play", manifest);
            var podDir = Assert.Single(Directory.GetDirectories(Path.Combine(env.StateRoot, "pods")));
            var done = Path.Combine(podDir, "volumes", "data", "done");
            var deadline = DateTime.UtcNow.AddMinutes(1);
            while (!File.Exists(done) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
            var logs = env.Ok("logs", "fsgroup").Stdout;

            Assert.Contains("2000", logs.Split('\n')[0].Split(' ')); // the kubelet adds fsGroup to the process's groups
            Assert.Contains("/data 2000 2777", logs);              // 0777 | setgid, group rwx (kubelet's masks)
            Assert.Contains("/ram 2000 3777", logs);               // tmpfs 1777 | setgid, group rwx
            Assert.Contains("/cfg 2000 2755", logs);               // a projection: read-only masks, r-x for the group
            Assert.Contains("/cfg/key 2000 644", logs);
            Assert.Contains("/data/f 1000:2000", logs);            // setgid directory: new files inherit the group
            Assert.Contains("/ram/f 1000:2000", logs);
            // On disk the group is fsGroup too, not the pod's host range.
            Assert.Equal("1000:2000", Host.Run("stat", "-c", "%u:%g", Path.Combine(podDir, "volumes", "data", "f")).Stdout.Trim());
        }
        finally
        {
            env.Run("down", manifest);
        }
        env.AssertNoLeftovers();
    }

    [Fact]
    public void HostToContainerPropagationShowsAMountMadeOnTheHostAfterTheStart()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var dir = Path.Combine(env.Root, "prop");
        var late = Path.Combine(dir, "late");
        Directory.CreateDirectory(dir);
        // A shared source, as containerd requires for HostToContainer (this host's / is private).
        Assert.Equal(0, Host.Run("mount", "--bind", dir, dir).ExitCode);
        Assert.Equal(0, Host.Run("mount", "--make-shared", dir).ExitCode);
        Directory.CreateDirectory(late);
        var manifest = env.WriteManifest(Pod("prop", $"    - {{name: data, hostPath: {{path: {dir}, type: Directory}}}}",
            "            - {name: data, mountPath: /data, mountPropagation: HostToContainer}",
            "i=0; while [ ! -e /data/late/marker ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; cat /data/late/marker || echo not-seen; sleep 60",
            "  terminationGracePeriodSeconds: 1"));
        try
        {
            env.Ok("play", manifest);
            Assert.Equal(0, Host.Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", late).ExitCode);
            File.WriteAllText(Path.Combine(late, "marker"), "propagated\n");
            var logs = "";
            for (var deadline = DateTime.UtcNow.AddMinutes(2); DateTime.UtcNow < deadline && !logs.Contains("propagated") && !logs.Contains("not-seen"); Thread.Sleep(200))
            {
                logs = env.Ok("logs", "prop").Stdout;
            }
            Assert.Contains("propagated", logs);
        }
        finally
        {
            env.Run("down", manifest);
            Host.Run("umount", late);
            Host.Run("umount", dir);
        }
        env.AssertNoLeftovers();
    }

    [Theory]
    [InlineData("HostToContainer", "mountPropagation HostToContainer: path \"{0}\" is mounted on \"/\" but it is not a shared or slave mount")]
    [InlineData("Bidirectional", "mountPropagation Bidirectional: a pod with hostUsers: false can't propagate mounts to the host")]
    public void PropagationThatCanNotWorkIsRefusedBeforeAnythingStarts(string propagation, string error)
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var dir = Path.Combine(env.Root, "private"); // on this host's /, a private mount
        Directory.CreateDirectory(dir);
        var result = env.Run("play", env.WriteManifest(Pod("refused", HostDir(dir),
            $"            - {{name: data, mountPath: /data, mountPropagation: {propagation}}}", "true")
            .Replace("env: [", "securityContext: {privileged: true}\n      env: [")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("container \"c\": volumeMounts[0] (volume \"data\" at /data): " + string.Format(System.Globalization.CultureInfo.InvariantCulture, error, dir), result.Stderr);
        Assert.Empty(env.Json("ids").EnumerateArray());
        env.AssertNoLeftovers();
    }

    [Fact]
    public void BidirectionalPropagationShowsAMountMadeInAPrivilegedContainerOnTheHost()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var dir = Path.Combine(env.Root, "bidi");
        Directory.CreateDirectory(dir);
        Assert.Equal(0, Host.Run("mount", "--bind", dir, dir).ExitCode);
        Assert.Equal(0, Host.Run("mount", "--make-shared", dir).ExitCode);
        Directory.CreateDirectory(Path.Combine(dir, "inner"));
        var manifest = env.WriteManifest($$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: bidi}
            spec:
              restartPolicy: Never
              volumes: [{name: data, hostPath: {path: {{{dir}}}, type: Directory}}]
              containers:
                - name: c
                  image: localhost/busybox:demo
                  securityContext: {privileged: true}
                  command: [sh, -c, "mount -t tmpfs -o size=64k tmpfs /data/inner && echo from-container > /data/inner/marker && echo mounted"]
                  volumeMounts: [{name: data, mountPath: /data, mountPropagation: Bidirectional}]
            """);
        try
        {
            var result = env.Run("play", "--wait", manifest);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("mounted", result.Stdout);
            Assert.Equal("from-container", File.ReadAllText(Path.Combine(dir, "inner", "marker")).Trim());
        }
        finally
        {
            Host.Run("umount", Path.Combine(dir, "inner"));
            Host.Run("umount", dir);
        }
        env.AssertNoLeftovers();
    }

    [Fact]
    public void ASymlinkPlantedByAnInitContainerCannotLeadALaterSubPathOut()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var manifest = env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: planted}
            spec:
              hostUsers: false
              restartPolicy: Never
              volumes: [{name: work, emptyDir: {}}]
              initContainers:
                - name: plant
                  image: localhost/busybox:demo
                  command: [sh, -c, "mkdir /work/ok && ln -s / /work/escape && ln -s ok /work/alias"]
                  volumeMounts: [{name: work, mountPath: /work}]
              containers:
                - name: app
                  image: localhost/busybox:demo
                  command: [sh, -c, "ls /host/etc/shadow && echo ESCAPED"]
                  volumeMounts: [{name: work, mountPath: /host, subPath: escape}]
            """);

        var result = env.Run("play", "--wait", manifest);

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("ESCAPED", result.Stdout);
        Assert.Contains("container \"app\": volumeMounts[0] (volume \"work\" at /host): subpath \"escape\" not within volume path", result.Stdout + result.Stderr);
        env.AssertNoLeftovers();
    }

    [Fact]
    public void ASubPathOfAConfigMapMountsOneKeyThroughItsSymlinks()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var result = env.Run("play", "--wait", env.WriteManifest(Pod("cfgsub",
            "    - {name: cfg, configMap: {name: app}}",
            "            - {name: cfg, mountPath: /etc/app.conf, subPath: app.conf}",
            "cat /etc/app.conf; stat -c '%u:%g' /etc/app.conf; echo x > /etc/app.conf || echo read-only-ok")
            + "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {app.conf: from-configmap}\n"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("from-configmap", result.Stdout); // app.conf -> ..data/app.conf -> ..TIMESTAMP/app.conf, all within the volume
        Assert.Contains("0:0", result.Stdout);
        Assert.Contains("read-only-ok", result.Stdout);
        env.AssertNoLeftovers();
    }

    [Fact]
    public void ApplyUpdatesTheVolumeWhileASubPathMountKeepsItsOldContent()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        const string configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {app.conf: VERSION}\n";
        env.Ok("play", env.WriteManifest(Pod("cfglive",
            "    - {name: cfg, configMap: {name: app}}",
            "            - {name: cfg, mountPath: /cfg}\n            - {name: cfg, mountPath: /etc/app.conf, subPath: app.conf}",
            "while [ $(cat /cfg/app.conf) = v1 ]; do sleep 0.2; done; echo volume=$(cat /cfg/app.conf) subpath=$(cat /etc/app.conf)")
            + "\n---\n" + configMap.Replace("VERSION", "v1")));

        Assert.Equal("configmap/app configured\n", env.Ok("apply", env.WriteManifest(configMap.Replace("VERSION", "v2"), "v2.yaml")).Stdout);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string logs;
        while (!(logs = env.Ok("logs", "cfglive").Stdout).Contains("volume=") && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(200);
        }
        // As in Kubernetes: the volume follows the ..data swap, a subPath bind keeps the file it was given.
        Assert.Equal("volume=v2 subpath=v1\n", logs);
        env.Ok("down", "cfglive");
        env.AssertNoLeftovers();
    }
}
