namespace Sublet.IdMapping.Tests;

public class IdRangeTests
{
    [Theory]
    [InlineData(0u, 10u, 10u, 10u, false)]   // touching is not overlapping
    [InlineData(0u, 11u, 10u, 10u, true)]
    [InlineData(5u, 1u, 0u, 10u, true)]       // contained
    [InlineData(5u, 0u, 0u, 10u, false)]      // empty overlaps nothing
    [InlineData(4294967295u, 1u, 4294901760u, 65536u, true)]
    public void Overlaps_is_symmetric_half_open(uint aStart, uint aLength, uint bStart, uint bLength, bool expected)
    {
        var a = new IdRange(aStart, aLength);
        var b = new IdRange(bStart, bLength);

        Assert.Equal(expected, a.Overlaps(b));
        Assert.Equal(expected, b.Overlaps(a));
    }

    [Fact]
    public void End_and_Contains_use_64_bit_math()
    {
        var top = new IdRange(4294901760, 65536);

        Assert.Equal(1UL << 32, top.End);
        Assert.True(top.Contains(uint.MaxValue));
        Assert.True(top.Contains(4294901760));
        Assert.False(top.Contains(4294901759));
        Assert.False(new IdRange(7, 0).Contains(7));
    }
}
