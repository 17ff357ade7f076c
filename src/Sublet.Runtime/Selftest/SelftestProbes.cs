namespace Sublet.Runtime.Selftest;

/// <summary>What a probe shows when user namespaces work: the attack is blocked, or (for a capability pods keep) it works.</summary>
public enum Expect
{
    Blocked,
    Works,
}

/// <summary>The host files a probe pod gets: a root-owned directory with a root-owned file, and the host's /etc/shadow read-only.</summary>
public enum ProbeMount
{
    None,
    RootOwnedDir,
    Shadow,
}

/// <summary>One attack (or capability) tried from inside a pod as its root with default capabilities; exit 0 = it worked.</summary>
/// <param name="UnmaskedProc">Run with procMount Unmasked, as a pod that runs nested containers must (the kernel refuses a new /proc over a masked one).</param>
/// <param name="Privileged">Run as a privileged container (all capabilities, every device).</param>
/// <param name="WorkingDirs">Try once per working directory; the probe worked if any attempt did.</param>
public sealed record Probe(string Name, string What, string Script, ProbeMount Mount, Expect WithUserNamespace, bool UnmaskedProc = false,
    bool Privileged = false, IReadOnlyList<string>? WorkingDirs = null);

/// <summary>How a probe went with and without a user namespace, and what that means.</summary>
public sealed record ProbeResult(string Probe, string What, bool WorkedWithUserns, bool WorkedWithoutUserns, string Verdict, bool Escaped);

/// <summary>
/// The probes of <c>sublet selftest</c> (issue 24 item 1, first part) and their verdicts. Pure.
/// Each runs once in a user-namespaced pod and once in a host-users pod, so every attack is shown
/// to be real where it works without user namespaces. Output never carries file contents (the
/// shadow probe reads into /dev/null).
/// </summary>
public static class SelftestProbes
{
    /// <summary>Where the probe pods see the host's files.</summary>
    public const string Dir = "/host-dir";
    public const string Shadow = "/host-shadow";

    public static readonly IReadOnlyList<Probe> All =
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
            "cat ../../../../../../../../etc/shadow > /dev/null", ProbeMount.None, Expect.Blocked, WorkingDirs: [.. Enumerable.Range(3, 7).Select(n => $"/proc/self/fd/{n}")]),
        // CVE-2022-0492: mounting cgroup v1 to reach release_agent, a program the host kernel runs as
        // host root. Checked without writing it (the host-users run would set the host's agent).
        new("cgroup-release-agent", "CVE-2022-0492: unshare -UrmC, mount cgroup v1 (memory), find release_agent",
            "unshare -UrmC sh -c 'mkdir -p /tmp/cg && mount -t cgroup -o memory cgroup /tmp/cg && test -e /tmp/cg/release_agent'", ProbeMount.None, Expect.Blocked),
        new("cgroup-release-agent-privileged", "CVE-2022-0492 as a privileged container: mount cgroup v1, find release_agent",
            "mkdir -p /tmp/cg && mount -t cgroup -o memory cgroup /tmp/cg && test -e /tmp/cg/release_agent", ProbeMount.None, Expect.Blocked, Privileged: true),
        new("nested-user-namespace", "start a nested container: unshare -Urmpf --mount-proc", "unshare -Urmpf --mount-proc true", ProbeMount.None, Expect.Works, UnmaskedProc: true),
    ];

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
