using Sublet.Runtime.Oci;

namespace Sublet.Runtime.Tests;

public sealed class OciErrorsTests
{
    [Theory]
    [InlineData("{\"level\":\"error\",\"msg\":\"container_linux.go:380: exec: \\\"nope\\\": not found\",\"time\":\"2024\"}", "container_linux.go:380: exec: \"nope\": not found")]
    [InlineData("time=\"2024-01-01T00:00:00Z\" level=error msg=\"exec: \\\"nope\\\": executable file not found in $PATH\"", "exec: \"nope\": executable file not found in $PATH")]
    [InlineData("time=\"t\" level=error msg=\"a \\\"quoted\\\" word\" error=\"b\"", "a \"quoted\" word")] // fields after msg
    [InlineData("container \"abc\" does not exist", "container \"abc\" does not exist")]
    [InlineData("  plain words  \n", "plain words")]
    [InlineData("{not json at all", "{not json at all")]
    [InlineData("{\"level\":\"error\"}", "{\"level\":\"error\"}")]
    [InlineData("", "failed with no message")]
    [InlineData("\n\n", "failed with no message")]
    public void Message_extracts_the_readable_part(string stderr, string expected) =>
        Assert.Equal(expected, OciErrors.Message(stderr));

    [Fact]
    public void Message_joins_lines_and_drops_repeats()
    {
        var stderr = "{\"msg\":\"first\"}\nlevel=error msg=\"second\"\n{\"msg\":\"first\"}\nthird\n";
        Assert.Equal("first; second; third", OciErrors.Message(stderr));
    }
}

public sealed class OciRuntimeTests
{
    private const string RuncRoot = "/run/sublet-test/runc";

    private static (OciRuntime Runtime, RecordingRunner Runner) Runtime(string root = RuncRoot)
    {
        var runner = new RecordingRunner();
        return (new OciRuntime("runc", "/usr/sbin/runc", root, runner), runner);
    }

    public static TheoryData<string, string[]> Verbs => new()
    {
        { "start", ["start", "c1"] },
        { "kill", ["kill", "c1", "KILL"] },
        { "delete", ["delete", "--force", "c1"] },
        { "state", ["state", "c1"] },
    };

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Every_call_starts_with_sublets_own_root(string verb, string[] rest)
    {
        var (runtime, runner) = Runtime();
        if (verb == "state")
        {
            runner.Answer(0, """{"id":"c1","status":"running","pid":77}""");
        }
        Action call = verb switch
        {
            "start" => () => runtime.Start("c1"),
            "kill" => () => runtime.Kill("c1", "KILL"),
            "delete" => () => runtime.Delete("c1"),
            _ => () => runtime.State("c1"),
        };
        call();

        var (file, args) = Assert.Single(runner.Calls);
        Assert.Equal("/usr/sbin/runc", file);
        Assert.Equal(["--root", RuncRoot, .. rest], args);
        Assert.Equal(["--root", RuncRoot], runtime.GlobalArgs);
    }

    [Theory]
    [InlineData("container \"c1\" does not exist")]
    [InlineData("time=\"x\" level=error msg=\"container not running\"")]
    [InlineData("open /run/crun/c1/status: No such file or directory")]
    [InlineData("process already finished")]
    public void Kill_and_delete_of_a_gone_container_are_not_errors(string stderr)
    {
        var (runtime, runner) = Runtime();
        runner.Answer(1, stderr: stderr).Answer(1, stderr: stderr);
        runtime.Kill("c1", "TERM");
        runtime.Delete("c1");
        Assert.Equal(2, runner.Calls.Count);
    }

    [Fact]
    public void State_of_a_gone_container_is_null()
    {
        var (runtime, runner) = Runtime();
        runner.Answer(1, stderr: "container \"c1\" does not exist");
        Assert.Null(runtime.State("c1"));
    }

    [Fact]
    public void State_parses_status_and_pid()
    {
        var (runtime, runner) = Runtime();
        runner.Answer(0, """{"ociVersion":"1.0.2","id":"c1","pid":1234,"status":"created","bundle":"/b"}""");
        Assert.Equal(new OciState("created", 1234), runtime.State("c1"));
    }

    [Fact]
    public void Failures_carry_runtime_verb_id_and_stderr()
    {
        var (runtime, runner) = Runtime();
        const string stderr = "time=\"x\" level=error msg=\"permission denied\"";
        runner.Answer(1, stderr: stderr).Answer(1, stderr: stderr).Answer(1, stderr: stderr).Answer(1, stderr: stderr);

        foreach (var (verb, call) in new (string, Action)[]
                 {
                     ("start", () => runtime.Start("c1")), ("kill", () => runtime.Kill("c1", "KILL")),
                     ("delete", () => runtime.Delete("c1")), ("state", () => runtime.State("c1")),
                 })
        {
            var e = Assert.Throws<RuntimeFailure>(call);
            Assert.Equal($"runc {verb} c1: permission denied", e.Message);
        }
    }

    [Fact]
    public void List_of_a_missing_root_runs_nothing()
    {
        var (runtime, runner) = Runtime("/nonexistent/sublet-test-root");
        Assert.Empty(runtime.List());
        Assert.Empty(runner.Calls);
    }

    [Fact]
    public void List_names_the_containers_directories_without_running_the_runtime()
    {
        using var dir = new TestDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "b2"));
        Directory.CreateDirectory(Path.Combine(dir.Path, "a1"));
        File.WriteAllText(Path.Combine(dir.Path, "not-a-container"), "");
        var (runtime, runner) = Runtime(dir.Path);
        Assert.Equal(["a1", "b2"], runtime.List());
        Assert.Empty(runner.Calls);
    }
}
