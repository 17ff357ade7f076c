namespace Sublet.Integration.Tests;

/// <summary>
/// Issue 19 hole 2: device nodes shipped in an image. A layer carries /dev-image/zero (char 1:5,
/// allowed by the default device cgroup) and /dev-image/fuse (char 10:229, allowed only for a
/// privileged container), both root-owned 0666. In a user-namespaced pod they must not open, not
/// even from a privileged container that tries to remount the nodev away, bind them elsewhere or
/// mknod its own; nor may a device node on a hostPath. The same pod with host users opens them
/// (upstream behaviour: there the device cgroup is the guard), which shows the test is real.
/// Only harmless devices are used: reading zero, opening and closing fuse without mounting.
/// </summary>
public sealed class ImageDeviceTests
{
    private static string Probe(string name, string script) => $$"""
            - name: {{name}}
              image: {{Image}}
              env: [{name: N, value: {{name}}}]
              command: [sh, -c]
              args:
                - |
                  try() { if ( eval "$2" ) >/dev/null 2>&1; then echo "$N $1 opened"; else echo "$N $1 refused"; fi; }
        {{string.Join("\n", script.Split('\n').Select(l => "          " + l))}}
        """;

    private const string Image = "localhost/devices:test";

    private static string Pod(string name, bool hostUsers, string hostDev) => $"""
        apiVersion: v1
        kind: Pod
        metadata: {"{"}name: {name}{"}"}
        spec:
          hostUsers: {(hostUsers ? "true" : "false")}
          restartPolicy: Never
          terminationGracePeriodSeconds: 0
          volumes:
            - {"{"}name: hostdev, hostPath: {"{"}path: {hostDev}, type: Directory{"}"}{"}"}
          containers:
        {Probe("plain", """try zero 'head -c 4 /dev-image/zero'""")}
        {Probe("priv", """
            if mount -o remount,bind,dev / 2>/dev/null; then echo "$N remount allowed"; else echo "$N remount refused"; fi
            mkdir -p /mnt/b && mount --bind /dev-image /mnt/b && echo "$N bind made"
            if mount -o remount,bind,dev /mnt/b 2>/dev/null; then echo "$N bind remount allowed"; else echo "$N bind remount refused"; fi
            if mknod /tmp/z c 1 5 2>/dev/null; then echo "$N mknod allowed"; fi
            try zero 'head -c 4 /dev-image/zero'
            try fuse 'true </dev-image/fuse'
            try bound 'head -c 4 /mnt/b/zero'
            try hostpath 'head -c 4 /hostdev/zero'
            try hostfuse 'true </dev/fuse'
            """)}
              securityContext: {"{"}privileged: true{"}"}
              volumeMounts: [{"{"}name: hostdev, mountPath: /hostdev{"}"}]
        """;

    private static string Play(SubletEnv env, string name, bool hostUsers)
    {
        TestImages.Load(env, "devices", [
            TestImages.Dir("dev-image/"),
            TestImages.CharDevice("dev-image/zero", 1, 5),
            TestImages.CharDevice("dev-image/fuse", 10, 229),
        ]);
        var hostDev = Path.Combine(env.Root, "hostdev");
        Directory.CreateDirectory(hostDev);
        Assert.Equal(0, Host.Run("mknod", "-m", "0666", Path.Combine(hostDev, "zero"), "c", "1", "5").ExitCode);
        var result = env.Run("play", "--wait", env.WriteManifest(Pod(name, hostUsers, hostDev)));
        Assert.True(result.ExitCode == 0, result.ToString());
        env.AssertNoLeftovers();
        return result.Stdout;
    }

    [Fact]
    public void InAUserNamespacedPodNoImageDeviceOpensNotEvenForAPrivilegedContainer()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var output = Play(env, "dev-userns", hostUsers: false);
        AssertContained(output);
    }

    [Fact]
    public void OnAChownCopyRootfsNoImageDeviceOpensEither()
    {
        // The image store on a ramfs can't be idmapped: the pod runs on chown copies of the layers.
        using var env = new SubletEnv("rootfs: {userNamespaceMode: idmapOrChownCopy}");
        env.MountRamfs(Path.Combine(env.StateRoot, "images"));
        env.LoadDemoImage();
        var output = Play(env, "dev-copy", hostUsers: false);
        AssertContained(output);
    }

    [Fact]
    public void WithHostUsersTheSameImageDevicesOpenAsUpstream()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var output = Play(env, "dev-host", hostUsers: true);
        Has(output, "plain zero opened");
        Has(output, "priv zero opened");
        Has(output, "priv fuse opened");
        Has(output, "priv hostfuse opened");
        // Not asserted here: Sublet binds every volume nodev (MountOptions.Oci), host users too.
    }

    private static void AssertContained(string output)
    {
        Has(output, "plain zero refused");
        // Privileged inside the user namespace only: the rootfs' nodev is locked (mount_namespaces(7)),
        // in place and on a bind of it, and mknod(2) needs CAP_MKNOD in the initial namespace.
        Has(output, "priv remount refused");
        Has(output, "priv bind made");
        Has(output, "priv bind remount refused");
        Assert.False(output.Contains("priv mknod allowed", StringComparison.Ordinal), output);
        Has(output, "priv zero refused");
        Has(output, "priv fuse refused");
        Has(output, "priv bound refused");
        // A hostPath is an idmapped clone, nodev as well.
        Has(output, "priv hostpath refused");
        // The host's own nodes runc binds in for a privileged container belong to host root, which
        // the pod's root is not: a 0600 node does not open (capable_wrt_inode_uidgid).
        Has(output, "priv hostfuse refused");
    }

    private static void Has(string output, string line) => Assert.True(output.Contains(line, StringComparison.Ordinal), $"\"{line}\" missing in:\n{output}");
}
