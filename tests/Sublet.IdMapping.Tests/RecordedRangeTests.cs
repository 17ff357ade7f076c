namespace Sublet.IdMapping.Tests;

public class RecordedRangeTests
{
    [Theory]
    [InlineData(1000u, 100000u)]            // critest's mapping: unaligned and outside any pool, still fine
    [InlineData(131072u, 65536u)]
    [InlineData(4294901759u, 65536u)]       // ends at 2^32 - 1 exclusive: the highest allowed
    public void Valid_mapping_gives_its_host_range(uint host, uint length)
    {
        Assert.Equal(new IdRange(host, length), SlotAllocator.ValidateRecorded(new UserNamespaceMapping(0, host, length)));
    }

    [Theory]
    [InlineData(1u, 131072u, 65536u, "container ID 0 must be mapped")]
    [InlineData(0u, 131072u, 0u, "the length must be at least 1")]
    [InlineData(0u, 4294901760u, 65536u, "would include ID 4294967295")]
    public void Invalid_mapping_is_rejected(uint container, uint host, uint length, string problem)
    {
        var ex = Assert.Throws<IdMappingException>(() => SlotAllocator.ValidateRecorded(new UserNamespaceMapping(container, host, length)));

        Assert.Contains(problem, Assert.Single(ex.Problems));
        Assert.StartsWith($"invalid user namespace mapping \"{container} {host} {length}\": ", ex.Message);
    }

    [Fact]
    public void Every_problem_of_a_mapping_is_listed()
    {
        var ex = Assert.Throws<IdMappingException>(() => SlotAllocator.ValidateRecorded(new UserNamespaceMapping(5, 0, uint.MaxValue)));
        Assert.Equal(2, ex.Problems.Count);
    }

    [Fact]
    public void Uid_and_gid_mappings_must_be_one_identical_pair()
    {
        var m = new UserNamespaceMapping(0, 1000, 100000);

        Assert.Equal(m.HostRange, SlotAllocator.ValidateRecorded([m], [m]));
        Assert.Contains("exactly one", Assert.Throws<IdMappingException>(() => SlotAllocator.ValidateRecorded([m, m], [m])).Message);
        Assert.Contains("exactly one", Assert.Throws<IdMappingException>(() => SlotAllocator.ValidateRecorded([m], [])).Message);
        Assert.Contains("must be the same",
            Assert.Throws<IdMappingException>(() => SlotAllocator.ValidateRecorded([m], [m with { HostId = 2000 }])).Message);
    }
}
