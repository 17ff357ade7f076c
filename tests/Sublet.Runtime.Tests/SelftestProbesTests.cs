using Sublet.Runtime.Selftest;

namespace Sublet.Runtime.Tests;

public sealed class SelftestProbesTests
{
    private static readonly Probe Attack = SelftestProbes.All.First(p => p.Name == "write-host-root-file");
    private static readonly Probe Nested = SelftestProbes.All.First(p => p.Name == "nested-user-namespace");

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
        Assert.All(SelftestProbes.All.Where(p => p.Mount == ProbeMount.Shadow), p => Assert.EndsWith("> /dev/null", p.Script));
    }
}
