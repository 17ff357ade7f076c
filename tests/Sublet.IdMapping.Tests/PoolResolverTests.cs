namespace Sublet.IdMapping.Tests;

public class PoolResolverTests
{
    private const ulong TwoTo32 = 1UL << 32;

    [Theory]
    [InlineData(65536u)]
    [InlineData(131072u)]
    public void Without_kubelet_entries_the_default_pool_is_used(uint idsPerPod)
    {
        // kube-userns.md §3.2 step 1: first = idsPerPod, count = 2^32 - idsPerPod.
        foreach (string? text in new[] { null, "", "alice:100000:65536\n" })
        {
            var pool = PoolResolver.Resolve(text, text, idsPerPod, 110);

            Assert.Equal(new IdPool(idsPerPod, TwoTo32 - idsPerPod, idsPerPod, "default pool"), pool);
        }
    }

    [Fact]
    public void Kubelet_entries_define_the_pool_and_other_owners_are_ignored()
    {
        // The website's example: 110 ranges of 65536 (kube-userns.md §3.2).
        const string subuid = "alice:100000:65536\nkubelet:65536:7208960\n1000:9000000:65536\n";
        const string subgid = "kubelet:65536:7208960\nbob:200000:65536\n";

        var pool = PoolResolver.Resolve(subuid, subgid, 65536, 110);

        Assert.Equal(new IdPool(65536, 7208960, 65536, "kubelet entries of /etc/subuid and /etc/subgid"), pool);
    }

    [Theory]
    [InlineData("kubelet:65536:7208960", "kubelet:131072:7208960", "/etc/subgid has kubelet:131072:7208960")]
    [InlineData("kubelet:65536:7208960", "kubelet:65536:7274496", "/etc/subgid has kubelet:65536:7274496")]
    [InlineData("kubelet:65536:7208960", "alice:1:2", "/etc/subgid has no \"kubelet\" entry")]
    [InlineData("kubelet:65536:7208960", null, "/etc/subgid has no file")]
    [InlineData(null, "kubelet:65536:7208960", "/etc/subuid has no file")]
    public void Subuid_and_subgid_must_agree(string? subuid, string? subgid, string detail)
    {
        var ex = Assert.Throws<IdMappingException>(() => PoolResolver.Resolve(subuid, subgid, 65536, 110));

        Assert.StartsWith("mismatched subuids and subgids for user \"kubelet\"", ex.Message);
        Assert.Contains(detail, ex.Message);
    }

    [Fact]
    public void Several_kubelet_entries_are_an_error()
    {
        const string twice = "kubelet:65536:3604480\nkubelet:3670016:3604480\n";

        var ex = Assert.Throws<IdMappingException>(() => PoolResolver.Resolve(twice, twice, 65536, 10));

        Assert.Equal(
            "user \"kubelet\" has 2 entries in /etc/subuid (kubelet:65536:3604480, kubelet:3670016:3604480); it must have exactly one",
            ex.Message);
    }

    [Fact]
    public void Bad_line_in_either_file_is_reported_with_its_name()
    {
        var ex = Assert.Throws<IdMappingException>(() => PoolResolver.Resolve("kubelet:65536:65536", "kubelet:x:1", 65536, 1));

        Assert.StartsWith("/etc/subgid line 1: ", ex.Message);
    }

    [Theory]
    // first < idsPerPod: would map host IDs 0..65535, root included.
    [InlineData(0u, 7208960UL, 65536u, 1, "kubelet user assigned ID 0 must be greater or equal to 65536")]
    // The code requires a multiple of idsPerPod, not of 65536 (kube-userns.md §3.3 note).
    [InlineData(196608u, 7208960UL, 131072u, 1, "kubelet user assigned ID 196608 is not a multiple of 131072")]
    [InlineData(65536u, 100000UL, 65536u, 1, "kubelet user assigned IDs length 100000 is not a multiple of 65536")]
    [InlineData(65536u, 7208960UL, 65536u, 111, "kubelet user assigned IDs are not enough to support 111 pods (110 usable ranges of 65536 IDs)")]
    [InlineData(65536u, 0UL, 65536u, 1, "kubelet user assigned IDs are not enough to support 1 pods (0 usable ranges of 65536 IDs)")]
    [InlineData(4294901760u, 65536UL, 65536u, 1, "kubelet user assigned IDs are not enough to support 1 pods (0 usable ranges of 65536 IDs)")]
    [InlineData(196608u, 98304UL, 98304u, 0, "kubelet user namespace length 98304 is not a multiple of 65536")]
    [InlineData(4294836224u, 196608UL, 65536u, 0, "kubelet user assigned IDs 4294836224 to 4295032831 go past the last ID 4294967295")]
    public void Kubelet_entry_violating_one_rule_is_rejected(uint first, ulong count, uint idsPerPod, int maxPods, string problem)
    {
        string line = $"kubelet:{first}:{count}";

        var ex = Assert.Throws<IdMappingException>(() => PoolResolver.Resolve(line, line, idsPerPod, maxPods));

        Assert.Equal(problem, Assert.Single(ex.Problems));
        Assert.EndsWith(": " + problem, ex.Message);
    }

    [Fact]
    public void Default_pool_with_idsPerPod_zero_is_rejected_without_dividing_by_zero()
    {
        var ex = Assert.Throws<IdMappingException>(() => PoolResolver.Resolve(null, null, 0, 0));

        Assert.Equal(["kubelet user namespace length 0 must be at least 65536"], ex.Problems);
    }

    [Fact]
    public void All_five_config_mistakes_are_reported_at_once()
    {
        var ex = Assert.Throws<IdMappingException>(() => PoolResolver.Resolve("kubelet:50000:150000", "kubelet:50000:150000", 100000, 110));

        Assert.Equal(
            [
                "kubelet user namespace length 100000 is not a multiple of 65536",
                "kubelet user assigned ID 50000 is not a multiple of 100000",
                "kubelet user assigned ID 50000 must be greater or equal to 100000",
                "kubelet user assigned IDs length 150000 is not a multiple of 100000",
                "kubelet user assigned IDs are not enough to support 110 pods (1 usable ranges of 100000 IDs)",
            ],
            ex.Problems);
        Assert.StartsWith(
            "invalid user namespace ID pool (kubelet entries of /etc/subuid and /etc/subgid, first 50000, count 150000, idsPerPod 100000): 5 problems:\n  - ",
            ex.Message);
    }

    [Theory]
    // The default pool's last slot holds 2^32-1, so 65535 slots exist but 65534 are usable.
    [InlineData(65536u, 65534, true)]
    [InlineData(65536u, 65535, false)]
    [InlineData(131072u, 32766, true)]
    [InlineData(131072u, 32767, false)]
    public void MaxPods_is_checked_against_usable_slots(uint idsPerPod, int maxPods, bool ok)
    {
        var resolve = () => PoolResolver.Resolve(null, null, idsPerPod, maxPods);

        if (ok)
        {
            Assert.Equal("default pool", resolve().Source);
        }
        else
        {
            Assert.Contains($"not enough to support {maxPods} pods", Assert.Throws<IdMappingException>(resolve).Message);
        }
    }

    [Fact]
    public void Negative_maxPods_is_a_caller_bug()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PoolResolver.Resolve(null, null, 65536, -1));
    }
}
