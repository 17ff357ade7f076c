using Sublet.Runtime.Monitor;

namespace Sublet.Runtime.Tests;

public sealed class ConmonTests
{
    [Theory]
    [InlineData("{\"pid\": 123}", 123)]
    [InlineData("{\"pid\":7,\"message\":\"ignored\"}", 7)]
    public void ParsePid_returns_the_container_pid(string line, int pid) =>
        Assert.Equal(pid, Conmon.ParsePid(line, "runc", "c1", "/nonexistent/conmon.log"));

    [Fact]
    public void ParsePid_negative_reports_the_runtimes_message()
    {
        const string line = """{"pid": -1, "message": "time=\"x\" level=error msg=\"exec: \\\"nope\\\": executable file not found in $PATH\""}""";
        var e = Assert.Throws<RuntimeFailure>(() => Conmon.ParsePid(line, "runc", "c1", "/nonexistent/conmon.log"));
        Assert.Equal("runc create: exec: \"nope\": executable file not found in $PATH", e.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void ParsePid_without_a_line_includes_conmon_log(string? line)
    {
        using var dir = new TestDir();
        var log = dir.Write("conmon.log", "conmon: failed to open runtime\n");
        var e = Assert.Throws<RuntimeFailure>(() => Conmon.ParsePid(line, "runc", "c1", log));
        Assert.Equal("runc create: conmon exited without creating container c1: conmon: failed to open runtime", e.Message);
    }

    [Fact]
    public void ParsePid_without_a_line_or_log_still_names_the_container()
    {
        var e = Assert.Throws<RuntimeFailure>(() => Conmon.ParsePid("", "runc", "c1", "/nonexistent/conmon.log"));
        Assert.Equal("runc create: conmon exited without creating container c1 and gave no reason", e.Message);
    }
}
