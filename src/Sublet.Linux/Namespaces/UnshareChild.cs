using System.Diagnostics;
using System.Globalization;

namespace Sublet.Linux.Namespaces;

/// <summary>
/// DESIGN.md "A user namespace without a pod": .NET is multi-threaded, so it can't unshare(2)
/// itself. A child <c>unshare FLAGS sleep 600</c> (util-linux) makes the namespaces; the caller
/// takes what it needs from /proc/PID/ns while the child lives, then disposing kills and reaps it.
/// </summary>
internal sealed class UnshareChild : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly Process _child;
    private readonly string _unshare;

    private UnshareChild(Process child, string unshare)
    {
        _child = child;
        _unshare = unshare;
        Proc = $"/proc/{child.Id.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>/proc/PID of the child.</summary>
    public string Proc { get; }

    /// <summary>Starts <c>unshare <paramref name="flags"/> sleep 600</c> and returns once its <paramref name="kind"/> namespace is a new one.</summary>
    /// <exception cref="IOException">unshare is missing, failed or hung.</exception>
    public static UnshareChild Start(string unshare, IReadOnlyList<string> flags, string kind)
    {
        var info = new ProcessStartInfo(unshare, [.. flags, "sleep", "600"])
        {
            UseShellExecute = false,
            RedirectStandardInput = true, // not the caller's terminal
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new IOException($"{unshare} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IOException($"{unshare} can't be started ({e.Message}): it comes with util-linux (apt-get install util-linux)", e);
        }
        var child = new UnshareChild(process, unshare);
        try
        {
            child.WaitForNewNamespace(kind, string.Join(' ', flags));
            return child;
        }
        catch
        {
            child.Dispose();
            throw;
        }
    }

    /// <summary>The child is ours only once unshare(2) has run: until then /proc/PID/ns/KIND is still our own namespace.</summary>
    private void WaitForNewNamespace(string kind, string flags)
    {
        var ours = new FileInfo($"/proc/self/ns/{kind}").LinkTarget;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Timeout)
        {
            if (_child.HasExited)
            {
                var stderr = _child.StandardError.ReadToEnd().Trim();
                throw new IOException($"{_unshare} {flags} exited with {_child.ExitCode}{(stderr.Length > 0 ? ": " + stderr : "")}");
            }
            string? theirs;
            try
            {
                theirs = new FileInfo($"{Proc}/ns/{kind}").LinkTarget;
            }
            catch (IOException)
            {
                theirs = null;
            }
            if (theirs is not null && theirs != ours)
            {
                return;
            }
            Thread.Sleep(1);
        }
        throw new IOException($"{_unshare} {flags} did not make a {kind} namespace within {Timeout.TotalSeconds} s");
    }

    /// <summary>Writes the child's uid_map and gid_map: container 0.. → host <paramref name="hostStart"/>.., one write per file (user_namespaces(7)).</summary>
    public void MapIds(uint hostStart, uint length)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"0 {hostStart} {length}\n");
        File.WriteAllText($"{Proc}/uid_map", line);
        File.WriteAllText($"{Proc}/gid_map", line);
    }

    public void Dispose()
    {
        if (!_child.HasExited)
        {
            _child.Kill();
        }
        _child.WaitForExit(); // reaps: no zombie left
        _child.Dispose();
    }
}
