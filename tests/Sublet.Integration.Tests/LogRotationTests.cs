using System.IO.Compression;
using System.Text.RegularExpressions;

namespace Sublet.Integration.Tests;

/// <summary>
/// Issue 19 hole 4: a pod's output must not grow without bound. Logs rotate as the kubelet rotates
/// them (containerLogMaxSize, containerLogMaxFiles, containerLogMonitorInterval), conmon caps a log
/// that outruns the checks, `logs` says when output was rotated away and `logs -f` loses nothing.
/// </summary>
public sealed partial class LogRotationTests
{
    private const string Fast = "containerLogMaxSize: 64Ki\ncontainerLogMaxFiles: 3\ncontainerLogMonitorInterval: 200ms";

    /// <summary>
    /// Numbered lines of about 140 bytes in the log, 50 each 0.1 s: a rotation about every second,
    /// well within conmon's cap at twice the size even on a loaded machine (the checks come every
    /// 0.2 s), which would otherwise start the file afresh and lose what it held.
    /// </summary>
    private static string Pod(string name, int lines, string then, string first = "sleep 1") => $$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{name}}}
        spec:
          hostUsers: false
          restartPolicy: Never
          containers:
            - name: c
              image: localhost/busybox:demo
              command: [sh, -c, "{{first}}; i=0; while [ $i -lt {{lines}} ]; do i=$((i+1)); echo line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; [ $((i%50)) = 0 ] && usleep 100000; done; echo done; {{then}}"]
        """;

    [Fact]
    public void AChattyPodKeepsAtMostMaxFilesAndTheKeptOnesHoldTheNewestLinesInOrder()
    {
        using var env = new SubletEnv(Fast);
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest(Pod("chatty", 3000, "sleep 300")));
        var dir = ContainerDir(env);
        var mostFiles = 0;
        // Done once "done" is in any kept file: `logs` reads only the live one, which a rotation
        // right after the last write leaves empty (seen once `logs` became fast enough to look then).
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (!AnyHolds(dir, "done") && DateTime.UtcNow < deadline)
        {
            mostFiles = Math.Max(mostFiles, LogFiles(dir).Count);
            Thread.Sleep(50);
        }
        Assert.True(AnyHolds(dir, "done"), "the pod's last line, \"done\", never reached its log");
        Assert.True(mostFiles <= 3, $"at most containerLogMaxFiles (3) log files, saw {mostFiles}");
        var logs = env.Run("logs", "chatty");
        Assert.Matches(@"Note: older output of container ""c"" was rotated away \(containerLogMaxSize 64Ki\); [12] rotated file\(s\)", logs.Stderr);

        // The kept files, oldest first (the compressed one, the newest rotated one, the live log),
        // hold one unbroken run of lines that ends with the last.
        var files = LogFiles(dir);
        Assert.Contains(files, f => f.EndsWith(".gz", StringComparison.Ordinal));
        var numbers = files.SelectMany(f => Numbers(Read(f))).ToList();
        Assert.Equal(3000, numbers[^1]);
        Assert.Equal(Enumerable.Range(numbers[0], numbers.Count), numbers);
        Assert.True(numbers.Count < 3000, "older lines were rotated away");

        env.Ok("down", "--grace-period", "0", "chatty");
        env.AssertNoLeftovers();
        AssertRotatorStops(env);
    }

    [Fact]
    public async Task FollowingALogGetsEveryLineAcrossRotations()
    {
        using var env = new SubletEnv(Fast.Replace("containerLogMaxFiles: 3", "containerLogMaxFiles: 4", StringComparison.Ordinal));
        env.LoadDemoImage();
        // The pod writes once the follower is reading (it prints "ready", then waits for /go), so
        // no line is rotated away before `logs -f` starts, however slow this machine is.
        env.Ok("play", env.WriteManifest(Pod("followed", 4000, "exit 0", first: "echo ready; while [ ! -e /go ]; do usleep 50000; done")));
        using var follow = env.Start("logs", "-f", "followed");
        var first = await follow.StandardOutput.ReadLineAsync();
        Assert.Equal("ready", first);
        env.Ok("exec", "followed", "--", "touch", "/go");
        var stdout = follow.StandardOutput.ReadToEndAsync();
        // A reader that falls behind (stopped for 2.5 s, two rotations or so): the file it was on
        // is compressed meanwhile and others rotated past it; it must still find every line.
        Thread.Sleep(3000);
        Host.Run("kill", "-STOP", follow.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Thread.Sleep(2500);
        Host.Run("kill", "-CONT", follow.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(follow.WaitForExit(TimeSpan.FromMinutes(2)), "logs -f ends when the container does");
        var numbers = Numbers(await stdout).ToList();
        Assert.Equal(Enumerable.Range(1, 4000), numbers);
        Assert.Contains(LogFiles(ContainerDir(env)), f => f.EndsWith(".gz", StringComparison.Ordinal));
        env.Ok("down", "--grace-period", "0", "followed");
    }

    [Fact]
    public void AFloodIsRotatedAtTheNextCheckAndOnlyMaxFilesAreKept()
    {
        // 8 MiB at once, four times: each burst lands in the live log until the next check (as
        // with the kubelet), which rotates it; only containerLogMaxFiles files stay.
        using var env = new SubletEnv("containerLogMaxSize: 1Mi\ncontainerLogMaxFiles: 3\ncontainerLogMonitorInterval: 500ms");
        env.LoadDemoImage();
        var manifest = env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata: {name: flood}
            spec:
              hostUsers: false
              containers:
                - name: c
                  image: localhost/busybox:demo
                  command: [sh, -c, "for n in 1 2 3 4; do yes $(printf '%0200d' $n) | head -c 8388608; sleep 2; done; echo done; sleep 300"]
            """);
        env.Ok("play", manifest);
        var dir = ContainerDir(env);
        for (var i = 0; i < 600 && !env.Run("logs", "flood").Stdout.Contains("done", StringComparison.Ordinal); i++)
        {
            Thread.Sleep(100);
        }
        Assert.Contains("done", env.Run("logs", "flood").Stdout);
        var files = LogFiles(dir);
        var sizes = string.Join(", ", files.Select(f => $"{Path.GetFileName(f)} {new FileInfo(f).Length}"));
        Assert.True(files.Count <= 3, $"at most containerLogMaxFiles (3) files: {sizes}");
        Assert.True(new FileInfo(Path.Combine(dir, "0.log")).Length < 1024 * 1024, $"the live log was rotated: {sizes}");
        // The newest burst (4) is kept, compressed or not; the first ones are gone.
        var kept = string.Concat(files.Select(Read));
        Assert.Contains(new string('0', 199) + "4", kept);
        Assert.DoesNotContain(new string('0', 199) + "1", kept);
        env.Ok("down", "--grace-period", "0", "flood");
    }

    [Fact]
    public void BadLogSettingsAreRefusedByField()
    {
        using var env = new SubletEnv("containerLogMaxSize: 10MB\ncontainerLogMaxFiles: 1");
        var result = env.Run("ps");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("containerLogMaxSize: Invalid value: \"10MB\"", result.Stderr);
        Assert.Contains("containerLogMaxFiles: Invalid value: 1: must be greater than 1", result.Stderr);
    }

    private static string ContainerDir(SubletEnv env)
    {
        var pod = Assert.Single(Directory.GetDirectories(Path.Combine(env.StateRoot, "pods")), d => Path.GetFileName(d) != "trash");
        return Path.Combine(pod, "c", "c");
    }

    /// <summary>The container's log files, oldest first (rotated ones sort by their timestamp, the live log last).</summary>
    private static List<string> LogFiles(string dir) =>
        Directory.GetFiles(dir, "0.log*").Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal))
            .OrderBy(f => Path.GetFileName(f) == "0.log" ? "~" : Path.GetFileName(f).Replace(".gz", "", StringComparison.Ordinal), StringComparer.Ordinal).ToList();

    /// <summary>Whether a log file holds <paramref name="text"/>; one rotated or compressed away between listing and reading counts as not.</summary>
    private static bool AnyHolds(string dir, string text) => LogFiles(dir).Any(f =>
    {
        try
        {
            return Read(f).Contains(text, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return false;
        }
    });

    private static string Read(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(file.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(stream, CompressionMode.Decompress) : stream);
        return reader.ReadToEnd();
    }

    private static IEnumerable<int> Numbers(string text) => LinePattern().Matches(text).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    private static void AssertRotatorStops(SubletEnv env)
    {
        // It ends at its next check once no pod of its run root is left.
        for (var i = 0; i < 50 && Rotators(env).Count > 0; i++)
        {
            Thread.Sleep(100);
        }
        Assert.Empty(Rotators(env));
    }

    private static List<int> Rotators(SubletEnv env) =>
        Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(p => int.TryParse(p, out _)).Select(int.Parse!)
            .Where(pid =>
            {
                try
                {
                    var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
                    return cmdline.Contains(env.ConfigPath, StringComparison.Ordinal) && cmdline.Contains("rotate-logs", StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false;
                }
            }).ToList();

    [GeneratedRegex(@"line (\d+) x")]
    private static partial Regex LinePattern();
}
