namespace Sublet.Integration.Tests;

/// <summary>seccompProfile Localhost (issue 15 item 6): a profile file under the configured directory, path-checked.</summary>
public sealed class SeccompLocalhostTests
{
    // Allow everything but mkdir/mkdirat (x86_64), which fail with EPERM.
    private const string DenyMkdir = """
        {"defaultAction": "SCMP_ACT_ALLOW",
         "architectures": ["SCMP_ARCH_X86_64"],
         "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
        """;

    [Fact]
    public void ALocalhostProfileIsAppliedAndAllowsANestedUserNamespace()
    {
        using var env = new SubletEnv();
        var profiles = Path.Combine(env.Root, "seccomp");
        Directory.CreateDirectory(profiles);
        File.WriteAllText(Path.Combine(profiles, "deny-mkdir.json"), DenyMkdir);
        env.Configure($"seccompProfileRoot: {profiles}");
        env.LoadDemoImage();

        var result = env.Run("play", "--wait", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: filtered}
            spec:
              hostUsers: false
              restartPolicy: Never
              securityContext:
                seccompProfile: {type: Localhost, localhostProfile: deny-mkdir.json}
              containers:
                - name: c
                  image: localhost/busybox:demo
                  command: [sh, -c, "grep Seccomp: /proc/self/status; mkdir /tmp/x 2>/dev/null && echo mkdir-allowed || echo mkdir-denied; unshare -U -r id -u"]
            """));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Seccomp:\t2", result.Stdout);   // filter mode
        Assert.Contains("mkdir-denied", result.Stdout);
        Assert.Contains("\n0\n", "\n" + result.Stdout); // root of a nested user namespace, with no host privilege
    }

    [Fact]
    public void AProfilePathClimbingOutOfTheDirectoryIsRefused()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var result = env.Run("play", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: escape}
            spec:
              securityContext:
                seccompProfile: {type: Localhost, localhostProfile: ../../etc/passwd}
              containers:
                - {name: c, image: localhost/busybox:demo, command: ["true"]}
            """));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("localhostProfile", result.Stderr);
        Assert.Empty(env.Json("ps").EnumerateArray());
    }
}
