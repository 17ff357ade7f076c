using System.Diagnostics;

namespace Sublet.Runtime;

/// <summary>Result of a finished helper process (runc, conmon, …).</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

/// <summary>The one seam through which the runtime starts programs; tests record calls instead.</summary>
public interface IProcessRunner
{
    ProcessResult Run(string file, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null);
}

/// <summary>
/// Starts programs with an argument list (never a command string) and a clean environment:
/// only PATH and what the caller adds (cri-o runtimeCmd/prepareEnv pattern).
/// </summary>
public sealed class ProcessRunner : IProcessRunner
{
    /// <summary>
    /// What is kept of each stream. runc's answers are far smaller; an exec'd hook is the pod's
    /// program and may write without end, which must not take Sublet's memory (issue 19 hole 4).
    /// </summary>
    public const int OutputLimit = 1 << 20;

    /// <summary>The PATH a helper gets, whatever this process's is.</summary>
    public const string SearchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public ProcessResult Run(string file, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        using var process = new Process { StartInfo = StartInfo(file, args, env) };
        process.Start();
        var stdout = ReadBounded(process.StandardOutput);
        var stderr = ReadBounded(process.StandardError);
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new RuntimeFailure($"{Path.GetFileName(file)} {string.Join(' ', args)}: timed out");
        }
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The first <see cref="OutputLimit"/> characters; the rest is read and dropped so the writer never blocks.</summary>
    internal static async Task<string> ReadBounded(TextReader reader)
    {
        var kept = new System.Text.StringBuilder();
        // From the shared pool: runc's few lines would otherwise cost two fresh 32 KB buffers a call,
        // eight new heap pages each (docs/benchmarks.md §6l); the reader's own buffer is 4 KB.
        var buffer = System.Buffers.ArrayPool<char>.Shared.Rent(4096);
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                kept.Append(buffer, 0, Math.Min(read, OutputLimit - kept.Length));
            }
        }
        finally
        {
            System.Buffers.ArrayPool<char>.Shared.Return(buffer);
        }
        return kept.ToString();
    }

    public static ProcessStartInfo StartInfo(string file, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? env)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        info.Environment.Clear();
        info.Environment["PATH"] = SearchPath;
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }
        return info;
    }
}

/// <summary>The runtime or a helper it drives failed; the message names the command and its stderr.</summary>
public sealed class RuntimeFailure(string message) : Exception(message);
