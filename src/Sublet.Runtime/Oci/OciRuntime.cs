using System.Text.Json;

namespace Sublet.Runtime.Oci;

/// <summary>What <c>runc state</c> reports (runtime-spec runtime.md "State").</summary>
public sealed record OciState(string Status, int Pid);

/// <summary>
/// Drives runc or crun through their command line, always with Sublet's own <c>--root</c> so
/// its containers never mix with anyone else's.
/// </summary>
public sealed class OciRuntime
{
    private readonly IProcessRunner _runner;

    public OciRuntime(string name, string binary, string root, IProcessRunner runner)
    {
        Name = name;
        Binary = binary;
        Root = root;
        _runner = runner;
    }

    public string Name { get; }
    public string Binary { get; }
    public string Root { get; }

    /// <summary>Arguments that go before every subcommand.</summary>
    public IReadOnlyList<string> GlobalArgs => ["--root", Root];

    public void Start(string id) => Check(Run("start", id), "start", id);

    /// <summary>
    /// Runs a process in the container with its own process settings (runc exec), output captured.
    /// The first <paramref name="execArgs"/> items of <paramref name="command"/> are options of
    /// <c>runc exec</c> itself (they go before the container ID).
    /// </summary>
    public ProcessResult Exec(string id, IReadOnlyList<string> command, TimeSpan timeout, int execArgs = 0) =>
        _runner.Run(Binary, [.. GlobalArgs, "exec", .. command.Take(execArgs), id, .. command.Skip(execArgs)], timeout: timeout);

    /// <summary>Changes a container's cgroup limits (runc update with the given flags).</summary>
    public void Update(string id, IReadOnlyList<string> flags) => Check(_runner.Run(Binary, [.. GlobalArgs, "update", .. flags, id]), "update", id);

    /// <summary>Sends a signal; a container that no longer exists or runs is not an error (it is already stopped).</summary>
    public void Kill(string id, string signal)
    {
        var result = Run("kill", id, signal);
        if (result.ExitCode != 0 && !IsGone(result.Stderr))
        {
            Check(result, "kill", id);
        }
    }

    /// <summary>Deletes the container (force kills it first); one that does not exist is already deleted.</summary>
    public void Delete(string id)
    {
        var result = Run("delete", "--force", id);
        if (result.ExitCode != 0 && !IsGone(result.Stderr))
        {
            Check(result, "delete", id);
        }
    }

    public OciState? State(string id)
    {
        var result = Run("state", id);
        if (result.ExitCode != 0)
        {
            return IsGone(result.Stderr) ? null : throw Failure(result, "state", id);
        }
        using var doc = JsonDocument.Parse(result.Stdout);
        return new OciState(doc.RootElement.GetProperty("status").GetString() ?? "unknown", doc.RootElement.GetProperty("pid").GetInt32());
    }

    /// <summary>
    /// IDs of every container under Sublet's root: the root's directories, one per container, as
    /// both runtimes keep them (runc libcontainer: ROOT/ID/state.json, which `runc list` reads
    /// the same way; crun: ROOT/ID/status). Read here rather than through `runc list`: that is a
    /// process on every pod's teardown for a directory listing.
    /// </summary>
    public IReadOnlyList<string> List()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }
        return [.. Directory.EnumerateDirectories(Root).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal)];
    }

    /// <summary>Whether the runtime knows the container: its directory under the root (<see cref="List"/>), read without a process.</summary>
    public bool Exists(string id) => Directory.Exists(System.IO.Path.Combine(Root, id));

    private ProcessResult Run(params string[] args) => _runner.Run(Binary, [.. GlobalArgs, .. args]);

    // runc: "container does not exist"; crun: "No such file or directory" / "does not exist".
    private static bool IsGone(string stderr) =>
        stderr.Contains("does not exist", StringComparison.OrdinalIgnoreCase)
        || stderr.Contains("not running", StringComparison.OrdinalIgnoreCase)
        || stderr.Contains("No such file", StringComparison.OrdinalIgnoreCase)
        || stderr.Contains("process already finished", StringComparison.OrdinalIgnoreCase);

    private void Check(ProcessResult result, string verb, string id)
    {
        if (result.ExitCode != 0)
        {
            throw Failure(result, verb, id);
        }
    }

    private RuntimeFailure Failure(ProcessResult result, string verb, string id) =>
        new($"{Name} {verb} {id}: {OciErrors.Message(result.Stderr)}");
}

/// <summary>Turns runc/crun stderr (runc logs JSON or logfmt lines) into one readable line.</summary>
public static class OciErrors
{
    public static string Message(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var picked = new List<string>();
        foreach (var line in lines)
        {
            var text = line;
            if (line.StartsWith('{'))
            {
                try
                {
                    using var doc = JsonDocument.Parse(line);
                    text = doc.RootElement.TryGetProperty("msg", out var msg) ? msg.GetString() ?? line : line;
                }
                catch (JsonException)
                {
                }
            }
            else if (line.Contains("msg=\"", StringComparison.Ordinal))
            {
                text = LogfmtMessage(line, line.IndexOf("msg=\"", StringComparison.Ordinal) + 5) ?? line;
            }
            picked.Add(text);
        }
        return picked.Count == 0 ? "failed with no message" : string.Join("; ", picked.Distinct());
    }

    // The quoted logfmt value that starts at `start`: up to the first quote not escaped by a backslash.
    private static string? LogfmtMessage(string line, int start)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = start; i < line.Length; i++)
        {
            if (line[i] == '\\' && i + 1 < line.Length)
            {
                sb.Append(line[++i]);
            }
            else if (line[i] == '"')
            {
                return sb.ToString();
            }
            else
            {
                sb.Append(line[i]);
            }
        }
        return null;
    }
}
