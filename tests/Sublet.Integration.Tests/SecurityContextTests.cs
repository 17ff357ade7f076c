namespace Sublet.Integration.Tests;

/// <summary>
/// Security contexts read from inside real containers (issue 15 "How it will be checked"):
/// /proc/self/status capability sets, NoNewPrivs and Seccomp, writes to /, id, a syscall the
/// RuntimeDefault profile denies; for a user-namespaced pod and a host-users pod.
/// </summary>
public sealed class SecurityContextTests
{
    // Every container prints its lines prefixed by its name, so one pod checks several settings.
    private const string Report = """
        grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status | sed "s/^/$N /"
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
            unshare -U -r -m -p -f --mount-proc sh -c 'echo "nested pid $$ procs $(ls /proc | grep -c "^[0-9]")"'
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

    private static void AssertCommon(string output)
    {
        // containerd's 14 default capabilities, effective for root; no_new_privs off; no seccomp by default.
        Assert.Contains("plain CapEff:\t00000000a80425fb", output);
        Assert.Contains("plain CapBnd:\t00000000a80425fb", output);
        Assert.Contains("plain NoNewPrivs:\t0", output);
        Assert.Contains("plain Seccomp:\t0", output);
        Assert.Contains("plain root writable", output);
        Assert.Contains("plain oom 1000", output); // BestEffort
        Assert.Contains("plain sysctl 1 20000\t30000", output);
        Assert.Contains("groups=", output);
        Assert.Contains("2000", Line(output, "plain id"));

        Assert.Contains("restricted CapEff:\t0000000000000000", output);
        Assert.Contains("restricted CapBnd:\t0000000000000000", output);
        Assert.Contains("restricted NoNewPrivs:\t1", output);
        Assert.Contains("restricted Seccomp:\t2", output);
        Assert.Contains("restricted id uid=65534", output);
        Assert.Contains("restricted root read-only", output);
        Assert.Contains("Operation not permitted", Line(output, "restricted unshare:")); // seccomp: plain may unshare
        Assert.Contains("restricted kcore masked", output);

        // drop ALL + add NET_ADMIN (bit 12); SYS_RESOURCE is not in this host's bounding set: left out.
        Assert.Contains("netadmin CapEff:\t0000000000001000", output);

        // Privileged: every capability this host has, host devices, writable sysfs, no seccomp.
        Assert.Contains("privileged CapEff:\t000001fffeffffff", output);
        Assert.Contains("privileged Seccomp:\t0", output);
        Assert.Contains("privileged has /dev/fuse", output);
        Assert.Contains("privileged sysfs rw", output);
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
        Assert.True(env.Leftovers().IsEmpty, env.Leftovers().ToString());
    }

    private static string Play(string manifest)
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var result = env.Run("play", "--wait", env.WriteManifest(manifest));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(env.Leftovers().IsEmpty, env.Leftovers().ToString());
        return result.Stdout;
    }

    private static string Line(string output, string prefix) =>
        output.Split('\n').FirstOrDefault(l => l.Contains(prefix, StringComparison.Ordinal)) ?? "";
}
