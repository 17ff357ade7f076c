using Sublet.Runtime.Selftest;

namespace Sublet.Runtime.Tests;

public sealed class SelftestProbesTests
{
    private static readonly Probe Attack = SelftestProbes.All.First(p => p.Name == "write-host-root-file");
    private static readonly Probe Nested = SelftestProbes.All.First(p => p.Name == "nested-user-namespace");

    private static Probe Named(string name) => SelftestProbes.All.Single(p => p.Name == name);

    [Theory]
    [InlineData(false, true, "contained (works without user namespaces)", false)]
    [InlineData(false, false, "contained (also blocked without user namespaces on this node)", false)]
    [InlineData(true, true, "ESCAPED", true)]
    public void An_attack_is_contained_only_when_blocked_in_the_user_namespaced_pod(bool withUserns, bool without, string verdict, bool escaped)
    {
        var result = SelftestProbes.Judge(Attack, withUserns, without);

        Assert.Equal((verdict, escaped), (result.Verdict, result.Escaped));
    }

    [Fact]
    public void A_capability_pods_keep_must_work_in_the_user_namespaced_pod()
    {
        Assert.False(SelftestProbes.Judge(Nested, true, false).Escaped);
        Assert.True(SelftestProbes.Judge(Nested, false, false).Escaped);
        Assert.True(Nested.UnmaskedProc);
    }

    [Fact]
    public void No_probe_prints_what_it_reads()
    {
        Assert.All(SelftestProbes.All.Where(p => p.Mount == ProbeMount.Shadow || p.Script.StartsWith("cat ", StringComparison.Ordinal)),
            p => Assert.EndsWith("> /dev/null", p.Script));
    }

    [Fact]
    public void Probe_names_are_unique()
    {
        Assert.Equal(SelftestProbes.All.Count, SelftestProbes.All.Select(p => p.Name).Distinct().Count());
    }

    // Issue 24 item 1: each probe with who runs it and how its run is judged. All are attacks: any
    // that works in the user-namespaced pod is an escape, whatever the host-users pod showed.
    [Theory]
    [InlineData("escaped-write-host-root-file", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("escaped-read-host-shadow", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("enter-other-pod-root", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("join-other-pod-namespaces", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("configure-host-network", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("signal-host-process", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("signal-other-pod", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("ptrace-host-process", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("ptrace-other-pod", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("read-other-pod-environ", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("read-other-pod-rootfs", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("read-other-pod-layer", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("read-other-pod-log", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("host-runs-planted-setid-layer", Attacker.HostRunsPlanted, false, Outcome.GotHostRoot)]
    [InlineData("host-runs-planted-setid-rootfs", Attacker.HostRunsPlanted, false, Outcome.GotHostRoot)]
    [InlineData("host-runs-planted-setid-emptydir", Attacker.HostRunsPlanted, false, Outcome.GotHostRoot)]
    [InlineData("mount-host-block-device", Attacker.Container, true, Outcome.ExitZero)]
    [InlineData("load-kernel-module", Attacker.Container, true, Outcome.PastCapabilityCheck)]
    [InlineData("set-host-time", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("set-host-hostname", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("write-proc-sys-kernel", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("open-dev-kmsg", Attacker.Escaped, false, Outcome.ExitZero)]
    [InlineData("raise-hard-rlimit", Attacker.Container, true, Outcome.ExitZero)]
    [InlineData("leaked-fd-exec-cwd", Attacker.Exec, false, Outcome.ExitZero)]
    public void Each_probe_is_an_attack_judged_by_its_outcome(string name, Attacker by, bool privileged, Outcome outcome)
    {
        var probe = Named(name);

        Assert.Equal((by, privileged, outcome, Expect.Blocked), (probe.By, probe.Privileged, probe.Outcome, probe.WithUserNamespace));
        Assert.Equal("contained (works without user namespaces)", SelftestProbes.Judge(probe, false, true).Verdict);
        Assert.True(SelftestProbes.Judge(probe, true, true).Escaped);
        Assert.True(SelftestProbes.Judge(probe, true, false).Escaped);
    }

    [Fact]
    public void Planted_probes_name_where_the_host_runs_the_file_and_exec_tries_every_leakable_descriptor()
    {
        Assert.Equal([Planted.Layer, Planted.Rootfs, Planted.EmptyDir],
            SelftestProbes.All.Where(p => p.By == Attacker.HostRunsPlanted).Select(p => p.PlantedIn!.Value));
        Assert.Equal([.. Enumerable.Range(3, 7).Select(n => $"/proc/self/fd/{n}")], Named("leaked-fd-exec-cwd").WorkingDirs!);
    }

    [Theory]
    [InlineData(0, "", true)]
    [InlineData(1, "insmod: can't insert '/tmp/selftest.ko': Operation not permitted", false)]
    [InlineData(38, "insmod: can't insert '/tmp/selftest.ko': kernel does not support requested operation", false)]
    [InlineData(1, "insmod: can't insert '/tmp/selftest.ko': invalid module format", true)]
    [InlineData(1, "insmod: ERROR: could not insert module /tmp/selftest.ko: Exec format error", true)]
    [InlineData(1, "insmod: can't insert '/tmp/selftest.ko': Key was rejected by service", true)]
    [InlineData(1, "insmod: can't read '/tmp/selftest.ko': No such file or directory", false)]
    public void A_module_load_worked_when_the_kernel_judged_the_file_not_the_caller(int exit, string output, bool worked)
    {
        Assert.Equal(worked, SelftestProbes.Worked(Named("load-kernel-module"), exit, output));
    }

    [Theory]
    [InlineData("uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)", false)]
    [InlineData("uid=65534(nobody) gid=65534(nogroup) euid=1966080000 egid=1966080000 groups=1966080000", false)]
    [InlineData("uid=65534(nobody) gid=65534(nogroup) euid=0(root) groups=65534(nogroup)", true)]
    [InlineData("uid=65534(nobody) gid=65534(nogroup) egid=0(root) groups=65534(nogroup)", true)]
    [InlineData("setpriv: cannot execute: Permission denied", false)]
    public void A_planted_file_worked_when_it_ran_with_host_roots_effective_ids(string idOutput, bool worked)
    {
        Assert.Equal(worked, SelftestProbes.Worked(Named("host-runs-planted-setid-layer"), 0, idOutput));
    }

    [Fact]
    public void The_cgroup_probe_runs_the_hosts_unshare_through_its_loader_where_all_three_files_are()
    {
        var probe = Named("cgroup-release-agent");
        var tools = ProbeEnv.HostUnshare(System.Runtime.InteropServices.Architecture.X64, _ => true);

        Assert.Equal((ProbeMount.HostUnshare, true), (probe.Mount, probe.Script.StartsWith($"${ProbeEnv.Unshare} -UrmC ", StringComparison.Ordinal)));
        Assert.Equal(("/usr/bin/unshare", "/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/libc.so.6"), tools);
        Assert.Null(ProbeEnv.HostUnshare(System.Runtime.InteropServices.Architecture.X64, path => !path.EndsWith("libc.so.6", StringComparison.Ordinal)));
        Assert.Equal("/selftest-host/ld.so --library-path /selftest-host /selftest-host/unshare", ProbeEnv.UnshareCommand(true));
        Assert.Equal("unshare", ProbeEnv.UnshareCommand(false));
    }

    [Fact]
    public void The_root_disk_is_the_last_mount_at_slash_and_none_when_it_is_no_block_device()
    {
        const string Disk = "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n23 22 0:21 / /proc rw - proc proc rw\n";
        const string Overlay = Disk + "99 22 0:77 / / rw - overlay overlay rw,lowerdir=/a\n";

        Assert.Equal(new Dictionary<string, string>
        {
            [ProbeEnv.DiskMajor] = "254", [ProbeEnv.DiskMinor] = "0", [ProbeEnv.DiskFsType] = "ext4", [ProbeEnv.DiskName] = "vda",
        }, ProbeEnv.RootDisk(Disk));
        Assert.Null(ProbeEnv.RootDisk(Overlay));
        Assert.Equal("101", ProbeEnv.Syscalls(System.Runtime.InteropServices.Architecture.X64)[ProbeEnv.NrPtrace]);
    }
}
