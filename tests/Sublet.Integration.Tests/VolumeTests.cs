namespace Sublet.Integration.Tests;

/// <summary>Volumes through idmapped mounts (issue 14): the pod's root sees and writes on-disk ID 0, nothing is chowned.</summary>
public sealed class VolumeTests
{
    private static string Pod(string name, bool hostUsers, string hostDir, string file, string script) => $$$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{{name}}}}
        spec:
          hostUsers: {{{(hostUsers ? "true" : "false")}}}
          restartPolicy: Never
          volumes:
            - {name: scratch, emptyDir: {}}
            - {name: data, hostPath: {path: {{{hostDir}}}, type: DirectoryOrCreate}}
            - {name: one, hostPath: {path: {{{file}}}, type: File}}
          containers:
            - name: c
              image: localhost/busybox:demo
              command: [sh, -c, "{{{script}}}"]
              volumeMounts:
                - {name: scratch, mountPath: /scratch}
                - {name: data, mountPath: /data}
                - {name: one, mountPath: /etc/one, readOnly: true}
        """;

    [Fact]
    public void IdmappedVolumesLookTheSameWithAndWithoutAUserNamespace()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var hostDir = Path.Combine(env.Root, "shared");
        var file = Path.Combine(env.Root, "one.txt");
        File.WriteAllText(file, "hello\n");

        var userns = env.Run("play", "--wait", env.WriteManifest(Pod("inside", false, hostDir, file,
            "stat -c '%n %u:%g' /data /etc/one /scratch; cat /etc/one; echo w > /data/by-userns; echo x > /scratch/x && echo scratch-ok; echo no > /etc/one || echo read-only-ok"), "a.yaml"));
        Assert.True(userns.ExitCode == 0, userns.ToString());
        Assert.Contains("/data 0:0", userns.Stdout);
        Assert.Contains("/etc/one 0:0", userns.Stdout);
        Assert.Contains("/scratch 0:0", userns.Stdout);
        Assert.Contains("hello", userns.Stdout);
        Assert.Contains("scratch-ok", userns.Stdout);
        Assert.Contains("read-only-ok", userns.Stdout);
        // On the host, the pod's root wrote as ID 0, not as its host range.
        Assert.Equal("0:0", Host.Run("stat", "-c", "%u:%g", Path.Combine(hostDir, "by-userns")).Stdout.Trim());

        var host = env.Run("play", "--wait", env.WriteManifest(Pod("outside", true, hostDir, file, "stat -c '%n %u:%g' /data/by-userns"), "b.yaml"));
        Assert.True(host.ExitCode == 0, host.ToString());
        Assert.Contains("/data/by-userns 0:0", host.Stdout);
        env.AssertNoLeftovers();
    }

    [Fact]
    public void AHostPathOnRamfsIsRefusedByNameAndNothingIsLeft()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var ramfs = Path.Combine(env.Root, "ram");
        Directory.CreateDirectory(ramfs);
        Assert.Equal(0, Host.Run("mount", "-t", "ramfs", "ramfs", ramfs).ExitCode);
        try
        {
            var file = Path.Combine(env.Root, "one.txt");
            File.WriteAllText(file, "x");
            var before = env.Leftovers();
            var result = env.Run("play", env.WriteManifest(Pod("ram", false, ramfs, file, "true")));

            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"volume \"data\" (hostPath {ramfs}) is on ramfs, which can't be idmapped: a pod with hostUsers: false can't use it", result.Stderr);
            Assert.Equal(before.ToString(), env.Leftovers().ToString());
            Assert.Empty(env.Json("ids").EnumerateArray());
        }
        finally
        {
            Host.Run("umount", ramfs);
        }
    }

    [Fact]
    public void AHostPathOfTheWrongTypeIsRefusedBeforeAnythingStarts()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var missing = Path.Combine(env.Root, "missing.txt");
        var result = env.Run("play", env.WriteManifest(Pod("wrong", false, Path.Combine(env.Root, "d"), missing, "true")));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"volume \"one\" (hostPath {missing}): hostPath type check failed: {missing} does not exist", result.Stderr);
        Assert.Empty(env.Json("ids").EnumerateArray());
        Assert.False(Directory.Exists(Path.Combine(env.Root, "d")), "a DirectoryOrCreate volume was created for a pod that did not start");
    }
}
