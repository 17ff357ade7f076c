using Sublet.IdMapping;
using Sublet.Linux.Processes;
using Sublet.Runtime.Audit;

namespace Sublet.Runtime.Tests;

/// <summary>The live ID audit's rules (issue 24 item 2), decided from /proc snapshots.</summary>
public sealed class IdAuditTests
{
    private const string Host = "user:[1]";
    private const string PodNs = "user:[100]";
    private static readonly AuditedPod Pod = new("p1", "default/a", new IdRange(65536, 65536));
    private static readonly Dictionary<string, string> Namespaces = new() { ["p1"] = PodNs };

    private static ProcessSnapshot Proc(int pid, string ns, string map, uint uid, uint gid, string groups = "", string cgroup = "0::/sublet/podp1/p1-c") =>
        new(pid, "sh", $"Name:\tsh\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t{gid}\t{gid}\t{gid}\t{gid}\nGroups:\t{groups}\n", map, map, ns, cgroup);

    private static readonly ProcessSnapshot Init = Proc(1, Host, "         0          0 4294967295\n", 0, 0, cgroup: "0::/init.scope");

    [Fact]
    public void AHealthyPodIsQuiet()
    {
        var processes = new[] { Init, Proc(10, PodNs, "0 65536 65536\n", 65536, 65536, "65546 65547") };
        Assert.Empty(IdAudit.Check([Pod], processes, Namespaces, Host));
    }

    [Fact]
    public void AProcessInThePodsCgroupWithHostIdsIsFoundByField()
    {
        var stray = Proc(11, Host, "0 0 4294967295\n", 0, 65536, "0");
        var findings = IdAudit.Check([Pod], [Init, stray], Namespaces, Host);
        Assert.Contains(findings, f => f.Check == IdAudit.OutOfRange && f.Detail == "pid 11 (sh) Uid 0 not in 65536-131071");
        Assert.Contains(findings, f => f.Check == IdAudit.OutOfRange && f.Detail.Contains("Groups 0", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Check == IdAudit.MapMismatch && f.Detail.Contains("reaches outside", StringComparison.Ordinal));
    }

    [Fact]
    public void ThePodsOwnNamespaceMustMapExactlyTheRecordedRangeAndNestedOnesStayInside()
    {
        var widened = Proc(12, PodNs, "0 65536 65537\n", 65536, 65536);
        var nestedInside = Proc(13, "user:[101]", "0 65536 1000\n", 65536, 65536);
        var nestedOutside = Proc(14, "user:[102]", "0 200000 10\n", 65536, 65536);
        var findings = IdAudit.Check([Pod], [Init, widened, nestedInside, nestedOutside], Namespaces, Host);
        Assert.Equal(["pid 12 (sh) uid_map \"0 65536 65537\" is not \"0 65536 65536\"", "pid 12 (sh) gid_map \"0 65536 65537\" is not \"0 65536 65536\""],
            findings.Where(f => f.Detail.StartsWith("pid 12", StringComparison.Ordinal)).Select(f => f.Detail));
        Assert.DoesNotContain(findings, f => f.Detail.StartsWith("pid 13", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Detail.StartsWith("pid 14 (sh) in user:[102]: uid_map", StringComparison.Ordinal));
    }

    [Fact]
    public void OverlappingPodsAndForeignNamespacesInARangeAreFound()
    {
        var other = new AuditedPod("p2", "default/b", new IdRange(100000, 65536));
        var hostUsers = new AuditedPod("p3", "default/c", null);
        var foreign = Proc(20, "user:[200]", "0 65600 10\n", 65600, 65600, cgroup: "0::/user.slice");
        var elsewhere = Proc(21, "user:[201]", "0 900000 10\n", 900000, 900000, cgroup: "0::/user.slice");
        var findings = IdAudit.Check([Pod, other, hostUsers], [Init, foreign, elsewhere], Namespaces, Host);
        Assert.Contains(findings, f => f.Check == IdAudit.Overlap && f.Detail == "65536-131071 overlaps pod default/b 100000-165535");
        Assert.Contains(findings, f => f.Check == IdAudit.Foreign && f.Pod == "default/a" && f.Detail.StartsWith("user:[200] of pid 20 (sh) maps host IDs 65600-65609", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => f.Detail.Contains("user:[201]", StringComparison.Ordinal));
    }

    [Fact]
    public void StatusFieldsAreReadAsTheKernelWritesThem()
    {
        const string status = "Name:\tsleep\nUid:\t65536\t65537\t65538\t65539\nGroups:\t\n";
        Assert.Equal([65536u, 65537u, 65538u, 65539u], IdAudit.StatusIds(status, "Uid"));
        Assert.Empty(IdAudit.StatusIds(status, "Groups"));
    }

    [Fact]
    public void LiveRangesAreEveryNonInitialNamespacesMapsOnceWithTheirHolder()
    {
        var pod = Proc(10, PodNs, "0 65536 65536\n", 65536, 65536);
        var podToo = Proc(11, PodNs, "0 65536 65536\n", 65536, 65536);
        var other = Proc(20, "user:[200]", "0 900000 10\n", 900000, 900000, cgroup: "0::/user.slice");
        var ranges = IdAudit.LiveRanges([Init, pod, podToo, other], Host);
        Assert.Equal([(new IdRange(65536, 65536), "user:[100] of pid 10 (sh)"), (new IdRange(900000, 10), "user:[200] of pid 20 (sh)")], ranges);
    }

    [Fact]
    public void AnEndedProcessWaitingToBeReapedHoldsNoRange()
    {
        // A killed orphan stays a zombie until init reaps it; its uid_map still reads the range.
        var zombie = Proc(30, "user:[300]", "0 131072 65536\n", 131072, 131072) with { Status = "Name:\trunc:[2:INIT]\nState:\tZ (zombie)\nUid:\t131072\t131072\t131072\t131072\n" };
        var dead = Proc(31, "user:[301]", "0 196608 65536\n", 196608, 196608) with { Status = "Name:\tsh\nState:\tX (dead)\n" };
        var sleeping = Proc(32, "user:[302]", "0 262144 65536\n", 262144, 262144) with { Status = "Name:\tsh\nState:\tS (sleeping)\n" };
        var ranges = IdAudit.LiveRanges([Init, zombie, dead, sleeping], Host);
        Assert.Equal([(new IdRange(262144, 65536), "user:[302] of pid 32 (sh)")], ranges);
    }
}
