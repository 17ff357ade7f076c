using System.Diagnostics;
using System.Globalization;

namespace Sublet.Bench;

/// <summary>
/// A CRI server this benchmark started (sublet serve or containerd), its stderr kept in a file.
/// Dispose sends SIGTERM to that one process by its id and waits; SIGKILL after 30 s.
/// </summary>
internal sealed class Daemon : IDisposable
{
    private readonly Process _process;

    public Daemon(string name, string socket, string logFile, string file, params string[] args)
    {
        Name = name;
        // stdio to a log file through the shell: a daemon that outlives a pipe's reader must not block on it.
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec \"$0\" \"$@\" </dev/null >>\"$BENCH_LOG\" 2>&1");
        info.ArgumentList.Add(file);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["BENCH_LOG"] = logFile;
        LogFile = logFile;
        _process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        CriClient.WaitListening(socket, () => _process.HasExited, $"{name} (log {logFile}: {Tail()})");
        Client = new CriClient(socket);
    }

    public string Name { get; }
    public string LogFile { get; }
    public int Pid => _process.Id;
    public CriClient Client { get; }

    /// <summary>Resident set size now, from /proc/PID/status (VmRSS), in MiB.</summary>
    public double RssMiB => Memory.Rss(Pid);

    public string Tail() => File.Exists(LogFile) ? string.Join('\n', File.ReadLines(LogFile).TakeLast(5)) : "";

    public void Dispose()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            Shell.Run("kill", "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture));
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                _process.Kill();
                _process.WaitForExit();
            }
        }
        _process.Dispose();
    }
}

/// <summary>Memory of processes from /proc (proc(5)): VmRSS, and Pss from smaps_rollup (shared pages split between their users).</summary>
internal static class Memory
{
    public static double Rss(int pid) => Field($"/proc/{pid}/status", "VmRSS:");

    public static double Pss(int pid) => Field($"/proc/{pid}/smaps_rollup", "Pss:");

    private static double Field(string file, string key)
    {
        try
        {
            var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            return 0; // the process ended
        }
    }

    /// <summary>Processes whose command is <paramref name="comm"/> and whose command line mentions <paramref name="marker"/> (our private roots).</summary>
    public static List<int> Find(string comm, string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() != comm) continue;
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(marker, StringComparison.Ordinal)) found.Add(pid);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    /// <summary>The direct children of <paramref name="parent"/> (/proc/PID/task/PID/children, proc(5)).</summary>
    public static List<int> Children(int parent)
    {
        var path = $"/proc/{parent}/task/{parent}/children";
        try
        {
            return File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        }
        catch (IOException)
        {
            return [];
        }
    }
}
