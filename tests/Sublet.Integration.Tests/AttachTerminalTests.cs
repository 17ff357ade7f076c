using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Sublet.Integration.Tests;

/// <summary>
/// <c>sublet attach -i</c> to a <c>tty: true</c> container from a real terminal (script(1) makes
/// one): each change of the local terminal's size reaches the container's terminal, as with
/// <c>kubectl attach -it</c>.
/// </summary>
public sealed class AttachTerminalTests
{
    private const string Manifest = """
        apiVersion: v1
        kind: Pod
        metadata: {name: term}
        spec:
          hostUsers: false
          terminationGracePeriodSeconds: 0
          containers:
            - name: shell
              image: localhost/busybox:demo
              stdin: true
              tty: true
              command: [sh, -c, "while true; do echo \"size $(stty size)\"; sleep 0.3; done"]
        """;

    private static string Sh(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [Fact]
    public void Each_resize_of_the_local_terminal_reaches_the_containers_terminal()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest(Manifest));
        Cri.WaitFor(() => env.Run("logs", "term").Stdout, logs => logs.Contains("size ", StringComparison.Ordinal));

        var info = new ProcessStartInfo("script")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in new[] { "-qfec", $"{Sh(SubletEnv.Binary)} --config {Sh(env.ConfigPath)} attach -i term", "/dev/null" })
        {
            info.ArgumentList.Add(arg);
        }
        using var script = Process.Start(info)!;
        var output = new StringBuilder();
        script.OutputDataReceived += (_, e) => { lock (output) output.Append(e.Data).Append('\n'); };
        script.ErrorDataReceived += (_, e) => { lock (output) output.Append(e.Data).Append('\n'); };
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        string Seen() { lock (output) return output.ToString(); }
        try
        {
            // The attach process's terminal is the one script made; stty -F on it is a resize of that
            // terminal, and the kernel sends its foreground process group SIGWINCH (tty_ioctl(4)).
            var shell = Cri.WaitFor(() => Descendants(script.Id).FirstOrDefault(p => Terminal(p) is not null), p => p != 0 || script.HasExited);
            Assert.True(shell != 0, $"nothing runs on script's terminal: {Seen()}");
            var pts = Terminal(shell)!;
            Cri.WaitFor(Seen, seen => seen.Contains("size ", StringComparison.Ordinal));
            foreach (var (rows, cols) in new[] { (45, 123), (30, 90) })
            {
                Host.Run("stty", "-F", pts, "rows", rows.ToString(CultureInfo.InvariantCulture), "cols", cols.ToString(CultureInfo.InvariantCulture));
                Cri.WaitFor(Seen, seen => seen.Contains($"size {rows} {cols}", StringComparison.Ordinal));
            }
        }
        finally
        {
            // Only what this test started: script, and what it ran (the attach).
            foreach (var pid in Descendants(script.Id).Reverse().Append(script.Id))
            {
                Host.Run("kill", "-TERM", pid.ToString(CultureInfo.InvariantCulture));
            }
            script.WaitForExit(30_000);
        }
        env.Ok("down", "term");
        env.AssertNoLeftovers();
    }

    /// <summary>The processes below <paramref name="root"/>, from each /proc/PID/stat's parent field (proc(5)).</summary>
    private static IEnumerable<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                    // ended meanwhile
                }
            }
        }
        var found = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var (pid, ppid) in parents.Where(p => p.Value == parent))
            {
                found.Add(pid);
                frontier.Enqueue(pid);
            }
        }
        return found;
    }

    /// <summary>The terminal on the process's stdin, when it is a pseudo-terminal.</summary>
    private static string? Terminal(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/fd/0").LinkTarget is { } target && target.StartsWith("/dev/pts/", StringComparison.Ordinal) ? target : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
