using Sublet.Runtime.Plan;
using Sublet.Runtime.Pods;
using Sublet.Runtime.State;

namespace Sublet.Runtime.Tests;

public sealed class PodStatusTests
{
    // Each container: null = still running, otherwise its exit code.
    [Theory]
    [InlineData("0", 0)]
    [InlineData("137\n", 137)]
    [InlineData(" 1 ", 1)]
    [InlineData("-1", -1)]
    public void ExitOf_reads_the_decimal_status_and_file_time(string text, int code)
    {
        using var dir = new TestDir();
        var file = dir.Write("exit", text);
        var when = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(file, when);

        var exit = PodStatus.ExitOf(file);

        Assert.NotNull(exit);
        Assert.Equal(code, exit.Value.Code);
        Assert.Equal(new DateTimeOffset(when), exit.Value.Time);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("12abc")]
    [InlineData("1.5")]
    public void ExitOf_a_partial_or_garbage_file_is_not_an_exit(string text)
    {
        using var dir = new TestDir();
        Assert.Null(PodStatus.ExitOf(dir.Write("exit", text)));
    }

    [Fact]
    public void ExitOf_a_missing_file_is_not_an_exit()
    {
        using var dir = new TestDir();
        Assert.Null(PodStatus.ExitOf(dir["exit"]));
    }
}
