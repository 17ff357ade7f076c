namespace Sublet.IdMapping.Tests;

public class UidMapTextTests
{
    [Fact]
    public void Parses_kernel_padded_lines()
    {
        // Layout of /proc/PID/uid_map: "%10u %10u %10u\n".
        const string text = "         0     131072      65536\n     65536          0          1\n";

        Assert.Equal(
            [new UserNamespaceMapping(0, 131072, 65536), new UserNamespaceMapping(65536, 0, 1)],
            UidMapText.Parse(text));
    }

    [Fact]
    public void Initial_namespace_maps_everything()
    {
        var m = Assert.Single(UidMapText.Parse("         0          0 4294967295\n"));
        Assert.Equal(new UserNamespaceMapping(0, 0, uint.MaxValue), m);
    }

    [Fact]
    public void Empty_map_is_empty() => Assert.Empty(UidMapText.Parse(""));

    [Theory]
    [InlineData("0 131072")]
    [InlineData("0 131072 65536 1")]
    [InlineData("0 131072 0")]
    [InlineData("0 -1 65536")]
    [InlineData("0 131072 4294967296")]
    public void Bad_line_is_rejected_with_its_number(string bad)
    {
        var ex = Assert.Throws<IdMappingException>(() => UidMapText.Parse("0 65536 65536\n" + bad + "\n"));
        Assert.StartsWith("uid_map line 2: ", ex.Message);
    }

    [Fact]
    public void ToString_and_Format_give_uid_map_lines()
    {
        var m = new UserNamespaceMapping(0, 131072, 65536);

        Assert.Equal("0 131072 65536", m.ToString());
        Assert.Equal("0 131072 65536\n1 2 3\n", UidMapText.Format([m, new UserNamespaceMapping(1, 2, 3)]));
        Assert.Equal(new IdRange(131072, 65536), m.HostRange);
        Assert.Equal(UidMapText.Parse(UidMapText.Format([m])), [m]);
    }
}
