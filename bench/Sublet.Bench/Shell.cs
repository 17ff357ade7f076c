using System.Diagnostics;

namespace Sublet.Bench;

internal sealed record RunResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>This result, or an exception: OperationCanceledException when the command died of
    /// SIGINT/SIGTERM/SIGHUP (a Ctrl-C reaches our whole process group, children first).</summary>
    public RunResult Ok(string what) => ExitCode switch
    {
        0 => this,
        128 + 1 or 128 + 2 or 128 + 15 => throw new OperationCanceledException($"{what} interrupted"),
        _ => throw new InvalidOperationException($"{what} failed (exit {ExitCode}): {Stderr.Trim()} {Stdout.Trim()}"),
    };
}

/// <summary>Runs external commands; the elapsed time covers fork/exec to exit (what a caller of the command waits).</summary>
internal static class Shell
{
    public static RunResult Run(string file, params string[] args) => Run(TimeSpan.FromMinutes(5), file, args);

    public static RunResult Run(TimeSpan timeout, string file, params string[] args)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeout}");
        }
        p.WaitForExit();
        sw.Stop();
        return new RunResult(p.ExitCode, stdout.Result, stderr.Result, sw.Elapsed);
    }

    public static RunResult Ok(string file, params string[] args) => Run(file, args).Ok($"{file} {string.Join(' ', args)}");

    /// <summary>
    /// Runs a command with this process's stdout and stderr (stdin closed): for <c>runc run -d</c>,
    /// whose container keeps the stdio it was given, so pipes would never reach end of file.
    /// </summary>
    public static RunResult RunInherited(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        p.StandardInput.Close();
        p.WaitForExit();
        sw.Stop();
        return new RunResult(p.ExitCode, "", "(stderr above)", sw.Elapsed);
    }

    /// <summary>What runc lists under <paramref name="root"/> (nothing when the root does not exist).</summary>
    public static string[] RuncIds(string root) =>
        Directory.Exists(root) ? Run("runc", "--root", root, "list", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries) : [];

    /// <summary>Force-deletes every container runc has under <paramref name="root"/> (cleanup).</summary>
    public static void DeleteRuncContainers(string root)
    {
        foreach (var id in RuncIds(root))
        {
            Run("runc", "--root", root, "delete", "--force", id);
        }
    }
}
