namespace Sublet.Runtime.Selftest;

/// <summary>
/// The probes of <c>sublet selftest</c> (issue 24 item 1) and their verdicts. Pure.
/// Each runs once in a user-namespaced pod and once in a host-users pod, so every attack is shown
/// to be real where it works without user namespaces. Output never carries file contents (the
/// shadow probe reads into /dev/null).
/// </summary>
public static partial class SelftestProbes
{
    /// <summary>Where the probe pods see the host's files.</summary>
    public const string Dir = "/host-dir";
    public const string Shadow = "/host-shadow";

    /// <summary>Every probe, in the order of the table: in-pod attacks, the CVE classes, the escaped process, capabilities.</summary>
    public static readonly IReadOnlyList<Probe> All = [.. InPod(), .. Breakout(), .. PlantedSetId(), .. Capabilities()];

    private static Probe[] InPod() =>
    [
        new("write-host-root-file", "append to a root-owned host file (0644) bound into the pod", $"echo pwned >> {Dir}/root-owned", ProbeMount.RootOwnedDir, Expect.Blocked),
        new("create-in-host-root-dir", "create a file in a root-owned host directory (0755)", $"touch {Dir}/planted", ProbeMount.RootOwnedDir, Expect.Blocked),
        new("read-host-shadow", "read the host's /etc/shadow bound read-only into the pod", $"cat {Shadow} > /dev/null", ProbeMount.Shadow, Expect.Blocked),
        new("mknod-block-device", "create a block device node (8:0, the first disk) with CAP_MKNOD", "mknod /tmp/disk b 8 0", ProbeMount.None, Expect.Blocked),
        new("chown-host-file", "give a root-owned host file to the pod's root", $"chown 0:0 {Dir}/root-owned && chmod 4755 {Dir}/root-owned", ProbeMount.RootOwnedDir, Expect.Blocked),
        // CVE-2024-21626: a descriptor runc leaks into the container (the host's /sys/fs/cgroup) as working
        // directory puts the process outside its root; ../ then reaches the host's /. The host's
        // shadow file is root's: with a user namespace the pod's root is nobody there.
        new("leaked-fd-workdir", "CVE-2024-21626: workingDir /proc/self/fd/N (N = 3..9), then read the host's /etc/shadow through ../",
            "cat ../../../../../../../../etc/shadow > /dev/null", ProbeMount.None, Expect.Blocked, WorkingDirs: LeakedFds),
        // The same class through exec: runc exec --cwd /proc/self/fd/N, the descriptors a runc
        // exec could leak into the new process (runc advisory GHSA-xr7r-f8xq-vfvv, attack 2).
        new("leaked-fd-exec-cwd", "CVE-2024-21626: runc exec --cwd /proc/self/fd/N (N = 3..9) into a running container, then read the host's /etc/shadow through ../",
            "cat ../../../../../../../../etc/shadow > /dev/null", ProbeMount.None, Expect.Blocked, WorkingDirs: LeakedFds, By: Attacker.Exec),
        // CVE-2022-0492: mounting cgroup v1 to reach release_agent, a program the host kernel runs as
        // host root. Checked without writing it (the host-users run would set the host's agent).
        // busybox's unshare has no -C (a cgroup namespace, which the mount needs): the host's util-linux one runs instead.
        new("cgroup-release-agent", "CVE-2022-0492: unshare -UrmC (the host's util-linux), mount cgroup v1 (memory), find release_agent",
            $"${ProbeEnv.Unshare} -UrmC sh -c 'mkdir -p /tmp/cg && mount -t cgroup -o memory cgroup /tmp/cg && " +
            "{ test -e /tmp/cg/release_agent || { echo \"cgroup v1 mounted, without release_agent\"; exit 1; }; }'", ProbeMount.HostUnshare, Expect.Blocked),
        new("cgroup-release-agent-privileged", "CVE-2022-0492 as a privileged container: mount cgroup v1, find release_agent",
            "mkdir -p /tmp/cg && mount -t cgroup -o memory cgroup /tmp/cg && test -e /tmp/cg/release_agent", ProbeMount.None, Expect.Blocked, Privileged: true),
        new("nested-user-namespace", "start a nested container: unshare -Urmpf --mount-proc", "unshare -Urmpf --mount-proc true", ProbeMount.None, Expect.Works, UnmaskedProc: true),
    ];

    /// <summary>The descriptors a container start or exec could leak (CVE-2024-21626 found 7 and 8).</summary>
    private static string[] LeakedFds => [.. Enumerable.Range(3, 7).Select(n => $"/proc/self/fd/{n}")];

    /// <summary>Whether one run of <paramref name="probe"/> worked, from its exit code and output.</summary>
    public static bool Worked(Probe probe, int exitCode, string output) => probe.Outcome switch
    {
        Outcome.ExitZero => exitCode == 0,
        // init_module(2): EPERM without CAP_SYS_MODULE comes first; ENOEXEC (bad ELF) and
        // EKEYREJECTED/ENOKEY (signature) come after it. ENOSYS: no module support at all.
        Outcome.PastCapabilityCheck => exitCode == 0 || ((output.Contains("invalid module format", StringComparison.OrdinalIgnoreCase)
            || output.Contains("Exec format error", StringComparison.OrdinalIgnoreCase) || output.Contains("Key was rejected", StringComparison.OrdinalIgnoreCase)
            || output.Contains("Required key not available", StringComparison.OrdinalIgnoreCase))
            && !output.Contains("not permitted", StringComparison.OrdinalIgnoreCase)),
        // id(1) prints euid= and egid= only when they differ from the real IDs.
        Outcome.GotHostRoot => output.Contains("euid=0(", StringComparison.Ordinal) || output.Contains("egid=0(", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>
    /// "contained" when the user-namespaced pod behaved as expected; "ESCAPED" when an attack worked
    /// in it. The host-users column shows the attack is real (or that this node blocks it anyway).
    /// </summary>
    public static ProbeResult Judge(Probe probe, bool withUserns, bool withoutUserns)
    {
        var ok = probe.WithUserNamespace == Expect.Blocked ? !withUserns : withUserns;
        var verdict = (probe.WithUserNamespace, ok) switch
        {
            (Expect.Blocked, true) => withoutUserns ? "contained (works without user namespaces)" : "contained (also blocked without user namespaces on this node)",
            (Expect.Blocked, false) => "ESCAPED",
            (Expect.Works, true) => "works inside the pod's range",
            _ => "FAILED (should work in a user-namespaced pod)",
        };
        return new ProbeResult(probe.Name, probe.What, withUserns, withoutUserns, verdict, Escaped: !ok);
    }
}
