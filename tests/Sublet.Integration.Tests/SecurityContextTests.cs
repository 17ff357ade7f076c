namespace Sublet.Integration.Tests;

/// <summary>
/// Security contexts read from inside real containers (issue 15 "How it will be checked"):
/// /proc/self/status capability sets, NoNewPrivs, Seccomp and signal masks, writes to /, id, a syscall the
/// RuntimeDefault profile denies; for a user-namespaced pod and a host-users pod.
/// </summary>
public sealed class SecurityContextTests
{
    // Every container prints its lines prefixed by its name, so one pod checks several settings.
    private const string Report = """
        grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp|SigBlk|SigIgn):' /proc/self/status | sed "s/^/$N /"
        echo "$N id $(id)"
        echo "$N oom $(cat /proc/self/oom_score_adj)"
        if touch /probe 2>/dev/null; then echo "$N root writable"; else echo "$N root read-only"; fi
        """;

    private static string Container(string name, string script, string securityContext = "") => $$"""
            - name: {{name}}
              image: localhost/busybox:demo
              env: [{name: N, value: {{name}}}]
              command: ["sh", "-c"]
              args:
                - |
        {{Indent(Report + "\n" + script, 12)}}
              {{securityContext}}
        """;

    private static string Indent(string text, int spaces) =>
        string.Join("\n", text.Split('\n').Select(l => new string(' ', spaces) + l));

    private static string Pod(string name, bool hostUsers) => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}
        spec:
          hostUsers: {{(hostUsers ? "true" : "false")}}
          restartPolicy: Never
          securityContext:
            supplementalGroups: [2000]
            sysctls:
              - {name: kernel.shm_rmid_forced, value: "1"}
              - {name: net.ipv4.ip_local_port_range, value: "20000 30000"}
          containers:
        """ + "\n" + string.Join("\n",
        Container("plain", """
            echo "plain sysctl $(cat /proc/sys/kernel/shm_rmid_forced) $(cat /proc/sys/net/ipv4/ip_local_port_range)"
            unshare -U -r true && echo "plain unshare allowed"
            unshare -U -r -m -p -f --mount-proc true 2>&1 | sed 's/^/plain mountproc: /'
            """),
        Container("restricted", """
            unshare -U -r true 2>&1 | sed 's/^/restricted unshare: /'
            cat /proc/kcore >/dev/null 2>&1 || echo "restricted kcore masked"
            """, "securityContext: {runAsNonRoot: true, runAsUser: 65534, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}"),
        Container("netadmin", "true", "securityContext: {capabilities: {drop: [ALL], add: [NET_ADMIN, SYS_RESOURCE]}}"),
        Container("privileged", """
            test -c /dev/fuse && echo "privileged has /dev/fuse"
            grep -q ' /sys sysfs rw' /proc/self/mounts && echo "privileged sysfs rw"
            """, "securityContext: {privileged: true}"),
        hostUsers ? "" : Container("nested", """
            unshare -U -r sh -c 'echo "nested uid $(id -u) map $(cat /proc/self/uid_map)"'
            unshare -U -r -m -p -f --mount-proc sh -c 'echo "nested pid $$$$ procs $(ls /proc | grep -c "^[0-9]")"'
            """, "securityContext: {procMount: Unmasked}")) + "\n";

    [Fact]
    public void UserNamespacedPodGetsEachContainersConfinement()
    {
        var output = Play(Pod("sc-userns", hostUsers: false));
        AssertCommon(output);
        // Nested user namespace (seccomp Unconfined): root again, mapped onto the pod's root. With
        // procMount Unmasked a nested PID namespace may mount its own /proc (no masked paths over it).
        Assert.Contains("nested uid 0 map", output);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(output, @"nested pid 1 procs [1-5]\b"), output);
        Assert.Contains("plain mountproc:", output); // masked /proc: the kernel refuses a fresh one
        // Capabilities count inside the pod's user namespace only; root inside is a host range outside.
        Assert.Contains("plain id uid=0(root)", output);
    }

    [Fact]
    public void HostUsersPodGetsTheSameConfinement()
    {
        var output = Play(Pod("sc-host", hostUsers: true));
        AssertCommon(output);
    }

    [Fact]
    public void PrivilegedContainerGetsAWritableSysfsWhileAnotherContainerHoldsAReadOnlyOne()
    {
        // One sysfs superblock per network namespace: without the pause holding a writable one the
        // first container's read-only mount would make the privileged container's /sys read-only too.
        const string manifest = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: sysfs
            spec:
              restartPolicy: Never
              containers:
                - name: holder
                  image: localhost/busybox:demo
                  command: ["sh", "-c", "grep ' /sys sysfs ro' /proc/self/mounts >/dev/null && echo holder-ro; sleep 2"]
                - name: privileged
                  image: localhost/busybox:demo
                  command: ["sh", "-c", "grep ' /sys sysfs rw' /proc/self/mounts >/dev/null && echo privileged-rw"]
                  securityContext: {privileged: true}
            """;
        var output = Play(manifest);
        Assert.Contains("holder-ro", output);
        Assert.Contains("privileged-rw", output);
    }

    private static void AssertCommon(string output)
    {
        // Privileged gets every capability the runtime has: this host's bounding set.
        var hostCaps = File.ReadAllLines("/proc/self/status").Single(l => l.StartsWith("CapBnd:", StringComparison.Ordinal))["CapBnd:".Length..].Trim();
        string[] expected =
        [
            // containerd's 14 default capabilities, effective for root; no_new_privs off; Kubernetes' default seccomp is Unconfined.
            "plain CapEff:\t00000000a80425fb", "plain CapBnd:\t00000000a80425fb", "plain NoNewPrivs:\t0", "plain Seccomp:\t0",
            "plain root writable", "plain oom 1000" /* BestEffort */, "plain sysctl 1 20000\t30000",
            // restricted: no capabilities, no_new_privs, seccomp filter, non-root, read-only root, masked /proc.
            "restricted CapEff:\t0000000000000000", "restricted CapBnd:\t0000000000000000", "restricted NoNewPrivs:\t1",
            "restricted Seccomp:\t2", "restricted id uid=65534", "restricted root read-only", "restricted kcore masked",
            // drop ALL + add NET_ADMIN (bit 12); SYS_RESOURCE is not in this host's bounding set: left out.
            "netadmin CapEff:\t0000000000001000",
            // privileged: every capability, host devices, writable sysfs, no seccomp.
            $"privileged CapEff:\t{hostCaps}", "privileged Seccomp:\t0", "privileged has /dev/fuse", "privileged sysfs rw",
        ];
        Assert.All(expected, line => Assert.Contains(line, output));
        // A container starts with no signal blocked or ignored, whatever Sublet and conmon had:
        // glibc's posix_spawn left its internal signal 32 ignored in conmon, and runc passed it on.
        foreach (var name in new[] { "plain", "restricted", "netadmin", "privileged" })
        {
            Assert.Contains($"{name} SigBlk:\t0000000000000000", output);
            Assert.Contains($"{name} SigIgn:\t0000000000000000", output);
        }
        Assert.Contains("2000", Line(output, "plain id")); // supplementalGroups
        Assert.Contains("Operation not permitted", Line(output, "restricted unshare:")); // seccomp: plain may unshare
    }

    [Fact]
    public void RestrictedPodRunsAndRootImageUserIsRefusedWithTheKubeletsReason()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        const string restricted = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: NAME
            spec:
              hostUsers: false
              restartPolicy: Never
              securityContext:
                runAsNonRoot: true
                seccompProfile: {type: RuntimeDefault}
              containers:
                - name: app
                  image: localhost/busybox:demo
                  command: ["sh", "-c", "id -u; echo oom $(cat /proc/self/oom_score_adj)"]
                  resources: {limits: {cpu: 100m, memory: 64Mi}}
                  securityContext:
                    USER
                    allowPrivilegeEscalation: false
                    capabilities: {drop: [ALL]}
            """;
        var ok = env.Run("play", "--wait", env.WriteManifest(restricted.Replace("NAME", "restricted").Replace("USER", "runAsUser: 1000"), "ok.yaml"));
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("1000", ok.Stdout);
        // Guaranteed asks for -997; without CAP_SYS_RESOURCE it is clamped to the runtime's own score.
        Assert.Contains($"oom {File.ReadAllText("/proc/self/oom_score_adj").Trim()}", ok.Stdout);

        // The demo image has no USER: it would run as root.
        var refused = env.Run("play", "--wait", env.WriteManifest(restricted.Replace("NAME", "rootuser").Replace("USER", "runAsGroup: 1000"), "root.yaml"));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("container has runAsNonRoot and image will run as root (pod: \"rootuser_default(", refused.Stdout + refused.Stderr);
        env.Run("down", "rootuser");
        env.AssertNoLeftovers();
    }

    private static string Play(string manifest)
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var result = env.Run("play", "--wait", env.WriteManifest(manifest));
        Assert.True(result.ExitCode == 0, result.ToString());
        env.AssertNoLeftovers();
        return result.Stdout;
    }

    private static string Line(string output, string prefix) =>
        output.Split('\n').FirstOrDefault(l => l.Contains(prefix, StringComparison.Ordinal)) ?? "";
}
