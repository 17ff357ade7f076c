using System.Text.Json;
using Sublet.Linux;
using Sublet.Linux.Files;
using Sublet.Linux.Processes;
using Sublet.Runtime.Oci;

namespace Sublet.Runtime.Monitor;

/// <summary>Where conmon keeps one container's files.</summary>
public sealed record ConmonPaths(string Bundle, string ContainerDir, string LogPath, string ExitDir, string SocketDir)
{
    /// <summary>conmon writes the exit status here (<c>--persist-dir</c>/exit, conmon src/conmon.c).</summary>
    public string ExitFile => Path.Combine(ContainerDir, "exit");
    public string PidFile => Path.Combine(Bundle, "pidfile");
    public string ConmonPidFile => Path.Combine(ContainerDir, "conmon.pid");
    public string ConmonLog => Path.Combine(ContainerDir, "conmon.log");

    /// <summary>conmon's control FIFO (src/ctrl.c setup_fifo: in the bundle).</summary>
    public static string ControlFifo(string bundle) => Path.Combine(bundle, "ctl");
}

/// <summary>
/// What conmon keeps of a container's stdio for attaching clients (conmon --help): <c>--stdin</c>
/// holds a pipe to its stdin that attach sockets write to, closed when the first attached client
/// ends its input unless <c>--leave-stdin-open</c> (CRI stdin_once false); <c>--terminal</c> makes
/// the container's terminal (runc create --console-socket) and serves it as stdout.
/// </summary>
public sealed record ConmonStdio(bool Stdin, bool StdinOnce, bool Terminal)
{
    public IReadOnlyList<string> Args =>
        [.. Stdin ? ["--stdin"] : Array.Empty<string>(), .. Stdin && !StdinOnce ? ["--leave-stdin-open"] : Array.Empty<string>(), .. Terminal ? ["--terminal"] : Array.Empty<string>()];
}

/// <summary>A command conmon runs when the container exits (<c>--exit-command</c>): podman's pattern, no resident daemon.</summary>
public sealed record ExitHook(string Program, IReadOnlyList<string> Args);

/// <summary>
/// Starts conmon, which runs <c>runtime create</c>, keeps the container's stdio, writes the
/// CRI-format log and, when the container ends, its exit status (runtime-anchors.md §4).
/// </summary>
public sealed class Conmon
{
    private readonly string _binary;

    public Conmon(string binary) => _binary = binary;

    /// <summary>Creates the container through conmon and returns its init PID (the container is created, not started).</summary>
    /// <param name="stdio">The container's stdin and terminal (CRI ContainerConfig stdin, stdin_once, tty); null = neither.</param>
    public int Create(string id, string name, OciRuntime runtime, ConmonPaths paths, ExitHook? exitHook, TimeSpan timeout, ConmonStdio? stdio = null)
    {
        var args = new List<string>
        {
            "--cid", id, "--cuuid", id, "--name", name,
            "--runtime", runtime.Binary, "--bundle", paths.Bundle,
            "--container-pidfile", paths.PidFile, "--conmon-pidfile", paths.ConmonPidFile,
            "--log-path", "k8s-file:" + paths.LogPath,
            "--exit-dir", paths.ExitDir, "--persist-dir", paths.ContainerDir,
            "--socket-dir-path", paths.SocketDir, "--log-level", "error",
            // No --log-size-max: conmon 2.1.6 does not reset its byte count when it reopens on
            // request, so after rotations its cap would start the live file afresh and drop what
            // it held (measured here). Size is the rotator's business (LogRotator), as with the
            // kubelet over containerd.
        };
        args.AddRange(stdio?.Args ?? []);
        foreach (var arg in runtime.GlobalArgs)
        {
            args.Add("--runtime-arg");
            args.Add(arg);
        }
        if (exitHook is not null)
        {
            args.Add("--exit-command");
            args.Add(exitHook.Program);
            foreach (var a in exitHook.Args)
            {
                args.Add("--exit-command-arg");
                args.Add(a);
            }
        }
        using var sync = new InheritablePipe();
        // conmon daemonizes and keeps its stdio: give it none of ours, or a caller reading our
        // stdout would wait for the container to end. Its own diagnostics go to conmon.log.
        // When the container is OOM-killed, conmon 2.1 creates an empty "oom" marker in its working
        // directory as well as in --persist-dir ("Failed to write oom file"): run it in the bundle, as
        // CRI-O does, not in whatever directory the sublet command or `serve` was started from.
        int pid;
        try
        {
            pid = Spawn.Start(new SpawnRequest
            {
                Program = _binary, Args = args, StderrFile = paths.ConmonLog, WorkingDirectory = paths.Bundle, Inherit = [sync.WriteFd],
                Env = new Dictionary<string, string>
                {
                    ["PATH"] = ProcessRunner.SearchPath,
                    ["_OCI_SYNCPIPE"] = sync.WriteFd.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            });
        }
        catch (LinuxError e)
        {
            throw new RuntimeFailure($"conmon could not be started: {e.Message}");
        }
        finally
        {
            sync.CloseWriteEnd();
        }
        // conmon's first process forks the monitor, writes --conmon-pidfile and exits (src/conmon.c
        // main); it is ours to reap, as nothing else will. On a failure it is reaped whenever it
        // ends, without holding the failure up.
        string? line;
        try
        {
            line = ReadSyncLine(sync, timeout);
        }
        catch
        {
            _ = Task.Run(() => Spawn.Wait(pid));
            throw;
        }
        Spawn.Wait(pid);
        return ParsePid(line, runtime.Name, id, paths.ConmonLog);
    }

    /// <summary>
    /// Asks the conmon of the container bundled at <paramref name="bundle"/> to reopen its log
    /// (CRI ReopenContainerLog). The control FIFO takes "TYPE HEIGHT WIDTH\n" lines; type 2 is
    /// REOPEN_LOGS_EVENT (conmon src/ctrl.c). False when no conmon reads it: the container is gone.
    /// </summary>
    public bool ReopenLog(string bundle) => Fifo.TryWrite(ConmonPaths.ControlFifo(bundle), "2 0 0\n"u8);

    private static string? ReadSyncLine(InheritablePipe sync, TimeSpan timeout)
    {
        var read = Task.Run(sync.ReadFirstLine);
        if (!read.Wait(timeout))
        {
            throw new RuntimeFailure($"conmon did not report the container within {timeout.TotalSeconds:0} s");
        }
        return read.Result;
    }

    /// <summary>conmon writes <c>{"pid": N}</c>, or a negative value with <c>"message"</c> (the runtime's stderr) on failure.</summary>
    internal static int ParsePid(string? line, string runtimeName, string id, string conmonLog)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            var log = File.Exists(conmonLog) ? File.ReadAllText(conmonLog).Trim() : "";
            throw new RuntimeFailure($"{runtimeName} create: conmon exited without creating container {id}{(log.Length > 0 ? ": " + log : " and gave no reason")}");
        }
        using var doc = JsonDocument.Parse(line);
        var pid = doc.RootElement.GetProperty("pid").GetInt32();
        if (pid > 0)
        {
            return pid;
        }
        var message = doc.RootElement.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
        throw new RuntimeFailure($"{runtimeName} create: {OciErrors.Message(message)}");
    }
}
