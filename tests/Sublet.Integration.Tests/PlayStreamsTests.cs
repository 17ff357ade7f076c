using System.Text.RegularExpressions;

namespace Sublet.Integration.Tests;

/// <summary><c>sublet attach</c> and <c>sublet port-forward</c> on a <c>play</c> pod, run as a user runs them (issue 25 item 6).</summary>
public sealed class PlayStreamsTests
{
    private const string Manifest = """
        apiVersion: v1
        kind: Pod
        metadata: {name: streams}
        spec:
          hostUsers: false
          restartPolicy: Never
          terminationGracePeriodSeconds: 0
          containers:
            - name: talk
              image: localhost/busybox:demo
              stdin: true
              stdinOnce: true
              command: [sh, -c, "echo started; read line; echo \"got $line\"; exit 7"]
            - name: web
              image: localhost/busybox:demo
              command: [sh, -c, "mkdir -p /www; echo hello-from-play > /www/index.html; (while true; do echo tick; sleep 1; done) & exec httpd -f -p 127.0.0.1:8080 -h /www"]
        """;

    private static string Sh(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [Fact]
    public async Task Attach_joins_the_main_process_and_port_forward_reaches_the_pods_loopback_only_from_127_0_0_1()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest(Manifest));

        // attach -i: what is typed reaches the main process's stdin; its output comes back; it ends with the container.
        var attach = Host.Run("/bin/sh", "-c", $"printf 'hello\\n' | {Sh(SubletEnv.Binary)} --config {Sh(env.ConfigPath)} attach -i streams -c talk");
        Assert.True(attach.ExitCode == 0, attach.ToString());
        Assert.Contains("got hello", attach.Stdout);
        Cri.WaitFor(() => env.Json("ps")[0].GetProperty("containers").EnumerateArray().First(c => c.GetProperty("name").GetString() == "talk").ToString(),
            talk => talk.Contains("\"exitCode\": 7", StringComparison.Ordinal));

        // attach without -i streams output; Ctrl-C detaches and the container runs on.
        var ps = env.Run("ps");
        Assert.True(Regex.IsMatch(ps.Stdout, @"web\s+Running"), $"{ps.Stdout}\n{env.Run("logs", "streams", "-c", "web")}");
        using (var watch = env.Start("attach", "streams", "-c", "web"))
        {
            var first = await watch.StandardOutput.ReadLineAsync();
            Assert.True(first?.Trim() == "tick", $"{first}: {(watch.WaitForExit(TimeSpan.FromSeconds(5)) ? watch.StandardError.ReadToEnd() : "running")}");
            Host.Run("kill", "-INT", watch.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(watch.WaitForExit(TimeSpan.FromSeconds(30)), "attach did not end on SIGINT");
            Assert.Equal(0, watch.ExitCode);
        }
        Assert.Equal("hello-from-play", env.Ok("exec", "streams", "-c", "web", "--", "cat", "/www/index.html").Stdout.Trim());

        var refused = env.Run("attach", "streams", "-c", "talk");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("is not running", refused.Stderr);

        // port-forward: a port the system picks, on 127.0.0.1 only, to the pod's loopback (httpd listens nowhere else).
        using var forward = env.Start("port-forward", "streams", ":8080");
        var line = await forward.StandardOutput.ReadLineAsync() ?? "";
        var match = Regex.Match(line, @"^Forwarding from 127\.0\.0\.1:(\d+) -> 8080$");
        Assert.True(match.Success, $"{line} {(forward.HasExited ? await forward.StandardError.ReadToEndAsync() : "")}");
        var port = match.Groups[1].Value;
        try
        {
            var listening = Host.Run("ss", "-Hltn", $"sport = :{port}").Stdout.Trim();
            Assert.Matches(@"^LISTEN\s+\d+\s+\d+\s+127\.0\.0\.1:" + port + @"\s", listening);
            var page = Host.Run("busybox", "wget", "-qO-", $"http://127.0.0.1:{port}/index.html");
            Assert.True(page.Stdout == "hello-from-play\n", page.ToString());
            var pages = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Task.Run(() => Host.Run("busybox", "wget", "-qO-", $"http://127.0.0.1:{port}/index.html").Stdout)));
            Assert.All(pages, p => Assert.Equal("hello-from-play\n", p));
            Assert.Equal("Handling connection for " + port, (await forward.StandardOutput.ReadLineAsync())?.Trim());
        }
        finally
        {
            Host.Run("kill", "-TERM", forward.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(forward.WaitForExit(TimeSpan.FromSeconds(30)), "port-forward did not end on SIGTERM");
        }
        Assert.Equal(0, forward.ExitCode);

        env.Ok("down", "streams");
        env.AssertNoLeftovers();
    }
}
