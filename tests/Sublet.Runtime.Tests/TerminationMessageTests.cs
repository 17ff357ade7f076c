using System.Text;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;

namespace Sublet.Runtime.Tests;

/// <summary>state.terminated.message as the kubelet computes it: the file, or the log's tail with FallbackToLogsOnError.</summary>
public sealed class TerminationMessageTests
{
    [Theory]
    [InlineData(TerminationMessagePolicy.File, 1, null, false)]
    [InlineData(TerminationMessagePolicy.FallbackToLogsOnError, 1, null, true)] // no file
    [InlineData(TerminationMessagePolicy.FallbackToLogsOnError, 1, "", true)] // empty file
    [InlineData(TerminationMessagePolicy.FallbackToLogsOnError, 1, "why", false)] // what it wrote wins
    [InlineData(TerminationMessagePolicy.FallbackToLogsOnError, 0, "", false)] // it succeeded
    public void The_log_is_used_only_after_a_failure_without_a_message(TerminationMessagePolicy policy, int exit, string? file, bool usesLog) =>
        Assert.Equal(usesLog, TerminationMessage.UsesLog(policy, exit, file is null ? null : Encoding.UTF8.GetBytes(file)));

    private static string Line(string stream, string tag, string content) => $"2024-01-02T03:04:05.000000000Z {stream} {tag} {content}";

    [Fact]
    public void From_the_log_full_lines_end_in_a_newline_and_partial_ones_are_joined()
    {
        var lines = new[] { Line("stdout", "F", "one"), Line("stderr", "P", "two-"), Line("stderr", "F", "and-a-half"), "" };
        Assert.Equal("one\ntwo-and-a-half\n", Encoding.UTF8.GetString(TerminationMessage.FromLog(lines)));
    }

    [Fact]
    public void From_the_log_only_the_last_80_lines()
    {
        var lines = Enumerable.Range(1, 100).Select(i => Line("stdout", "F", $"{i}")).ToList();
        var text = Encoding.UTF8.GetString(TerminationMessage.FromLog(lines));
        Assert.StartsWith("21\n", text);
        Assert.EndsWith("\n100\n", text);
    }

    [Fact]
    public void From_the_log_at_most_the_last_2048_bytes()
    {
        var lines = Enumerable.Range(0, 40).Select(i => Line("stdout", "F", new string((char)('a' + i % 26), 99))).ToList();
        var bytes = TerminationMessage.FromLog(lines);
        Assert.Equal(TerminationMessage.MaxLogBytes, bytes.Length);
        Assert.EndsWith(new string('n', 99) + "\n", Encoding.UTF8.GetString(bytes)); // line 39 is 'n'
    }

    [Fact]
    public void The_pods_12KiB_are_shared_by_its_init_and_app_containers()
    {
        var plan = Plans.Pod("web", null, Plans.Container("a"), Plans.Container("b")) with { InitContainers = [Plans.Container("init")] };
        Assert.Equal(4096, TerminationMessage.PerContainerBytes(plan));
        Assert.Equal(12 * 1024, TerminationMessage.PerContainerBytes(Plans.Pod()));
    }

    [Fact]
    public void The_stored_message_keeps_the_start_and_nothing_is_no_message()
    {
        Assert.Equal("abc", TerminationMessage.Message("abcdef"u8.ToArray(), 3));
        Assert.Null(TerminationMessage.Message([], 100));
    }

    [Fact]
    public void The_file_is_read_from_its_end_at_most_4096_bytes()
    {
        using var dir = new TestDir();
        var file = dir.Write("termination-log", new string('x', 5000) + "the end");
        var tail = TerminationMessages.Tail(file, TerminationMessage.MaxFileBytes)!;
        Assert.Equal(4096, tail.Length);
        Assert.EndsWith("the end", Encoding.UTF8.GetString(tail));
        Assert.Null(TerminationMessages.Tail(dir["missing"], 10));
    }

    [Fact]
    public void A_long_log_is_read_from_its_end_dropping_the_cut_first_line()
    {
        using var dir = new TestDir();
        var many = string.Concat(Enumerable.Range(0, 30000).Select(i => Line("stdout", "F", $"line {i} {new string('.', 40)}") + "\n"));
        var log = dir.Write("0.log", many);
        var lines = TerminationMessages.LogLines(log);
        Assert.All(lines.Where(l => l.Length > 0), l => Assert.StartsWith("2024-01-02T", l));
        Assert.EndsWith("line 29999 " + new string('.', 40) + "\n", Encoding.UTF8.GetString(TerminationMessage.FromLog(lines)));
    }

    [Theory]
    [InlineData("/dev/termination-log", "/dev/termination-log")]
    [InlineData("tmp/log", "/tmp/log")]
    [InlineData("/a/./b//c/", "/a/b/c")]
    [InlineData("../../etc/x", "/etc/x")]
    [InlineData("/a/../../b", "/b")]
    public void The_path_is_made_absolute_and_clean_as_the_kubelet_does(string path, string mounted) =>
        Assert.Equal(mounted, TerminationMessage.MountPath(path));
}
