namespace Sublet.Integration.Tests;

/// <summary><c>sublet selftest</c> on this node (issue 24 item 1): every attack contained, each shown to work without user namespaces, nothing left.</summary>
public sealed class SelftestTests
{
    private static readonly string[] RealAttacks =
    [
        "write-host-root-file", "create-in-host-root-dir", "mknod-block-device", "chown-host-file", "cgroup-release-agent-privileged",
        "read-host-shadow", "escaped-write-host-root-file", "escaped-read-host-shadow",
        "signal-host-process", "signal-other-pod", "ptrace-host-process", "ptrace-other-pod",
        "read-other-pod-environ", "read-other-pod-rootfs", "read-other-pod-layer", "enter-other-pod-root", "join-other-pod-namespaces",
        "read-other-pod-log",
        // A host-users pod's root-owned set-ID file in its rootfs overlay: only the directory modes keep host users out.
        "host-runs-planted-setid-rootfs",
        "mount-host-block-device", "set-host-time", "set-host-hostname", "write-proc-sys-kernel", "configure-host-network", "open-dev-kmsg",
    ];

    // Blocked both ways on this node, each for a reason the notes name: Sublet's nosuid on pod
    // state (layer, emptyDir), a kernel without modules (ENOSYS), a capability bounding set without
    // CAP_SYS_RESOURCE (DESIGN.md), runc 1.1.5+deb12u1's CVE-2024-21626 fix, a kernel that shows
    // no release_agent in a cgroup v1 mounted from a cgroup namespace of its own.
    private static readonly string[] BlockedHere =
    [
        "host-runs-planted-setid-layer", "host-runs-planted-setid-emptydir", "load-kernel-module", "raise-hard-rlimit",
        "leaked-fd-workdir", "leaked-fd-exec-cwd", "cgroup-release-agent",
    ];

    private static bool Demonstrated(System.Text.Json.JsonElement report) =>
        report.GetProperty("probes").EnumerateArray().Where(p => RealAttacks.Contains(p.GetProperty("probe").GetString()))
            .All(p => p.GetProperty("workedWithoutUserns").GetBoolean());

    [Fact]
    public void Every_probe_is_contained_with_user_namespaces_and_nothing_is_left()
    {
        using var env = new SubletEnv("maxPods: 2");
        env.LoadDemoImage();
        var start = env.UsePrivatePool(2);

        // The product's claim (nothing escapes with user namespaces) is checked strictly on every run. That
        // the attacks work without them only shows the probes are real; one busy-machine miss is run again.
        var report = env.Json("selftest");
        if (!Demonstrated(report))
        {
            report = env.Json("selftest");
        }

        Assert.Equal($"0 {start} 65536", report.GetProperty("userNamespace").GetString());
        var probes = report.GetProperty("probes").EnumerateArray().ToDictionary(p => p.GetProperty("probe").GetString()!);
        var notes = report.GetProperty("notes").ToString();
        Assert.Equal(33, probes.Count);
        Assert.All(probes.Values, p => Assert.False(p.GetProperty("escaped").GetBoolean(), p.ToString()));
        foreach (var (name, probe) in probes.Where(p => p.Key != "nested-user-namespace"))
        {
            Assert.False(probe.GetProperty("workedWithUserns").GetBoolean(), $"{name} worked in the user-namespaced pod: {notes}");
        }
        foreach (var attack in RealAttacks)
        {
            Assert.True(probes[attack].GetProperty("workedWithoutUserns").GetBoolean(), $"{attack} should work without user namespaces, showing the probe is real: {notes}");
        }
        Assert.Equal(33, RealAttacks.Length + BlockedHere.Length + 1); // + nested-user-namespace
        Assert.True(probes["nested-user-namespace"].GetProperty("workedWithUserns").GetBoolean(), notes);
        // The unprivileged CVE-2022-0492 attempt gets as far as the mount (the host's unshare has -C).
        Assert.Contains("cgroup-release-agent in selftest-host-users: exit 1: cgroup v1 mounted, without release_agent", notes);
        // The planted set-ID files: the notes say what protects each.
        Assert.Contains("host-runs-planted-setid-rootfs in selftest-userns: on the host owned", notes);
        Assert.Contains("its owner (not host root) protects", notes);
        Assert.Contains("host-runs-planted-setid-emptydir in selftest-host-users", notes);
        env.AssertNoLeftovers();
        Assert.False(Directory.Exists(Path.Combine(env.StateRoot, "selftest")) && Directory.EnumerateFileSystemEntries(Path.Combine(env.StateRoot, "selftest")).Any());
    }
}
