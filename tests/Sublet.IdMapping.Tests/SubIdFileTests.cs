namespace Sublet.IdMapping.Tests;

public class SubIdFileTests
{
    [Fact]
    public void Parses_entries_skipping_comments_and_blank_lines()
    {
        const string text = "# subordinate UIDs\n\nalice:100000:65536\r\n  # indented comment\n1000:165536:65536\nkubelet:65536:7208960\n";

        var entries = SubIdFile.Parse(text, "/etc/subuid");

        Assert.Equal(
            [
                new SubIdEntry("alice", 100000, 65536),
                new SubIdEntry("1000", 165536, 65536), // numeric-UID owner, as shadow-utils allows
                new SubIdEntry("kubelet", 65536, 7208960),
            ],
            entries);
    }

    [Fact]
    public void Count_wider_than_32_bits_is_kept()
    {
        var entry = Assert.Single(SubIdFile.Parse("big:0:4294967296", "/etc/subuid"));
        Assert.Equal(1UL << 32, entry.Count);
    }

    [Fact]
    public void Empty_text_has_no_entries() => Assert.Empty(SubIdFile.Parse("", "/etc/subgid"));

    [Theory]
    [InlineData("kubelet:65536", "2 fields instead of 3")]
    [InlineData("kubelet:65536:65536:extra", "4 fields instead of 3")]
    [InlineData(":65536:65536", "empty owner")]
    [InlineData("kubelet:-1:65536", "start \"-1\"")]
    [InlineData("kubelet:4294967296:1", "start \"4294967296\"")]
    [InlineData("kubelet:0x10000:65536", "start \"0x10000\"")]
    [InlineData("kubelet:65536:", "count \"\"")]
    [InlineData("kubelet:65536:65536 # trailing comment", "count \"65536 # trailing comment\"")]
    public void Bad_line_names_file_line_and_problem(string badLine, string problem)
    {
        string text = "# header\nalice:100000:65536\n" + badLine + "\n";

        var ex = Assert.Throws<IdMappingException>(() => SubIdFile.Parse(text, "/etc/subgid"));

        Assert.StartsWith("/etc/subgid line 3: ", ex.Message);
        Assert.Contains(problem, ex.Message);
    }
}
