using System.Diagnostics;
using System.Globalization;
using Sublet.Linux.Processes;
using Sublet.Linux.Terminals;
using Process = System.Diagnostics.Process;
using Sublet.Runtime.Oci;

namespace Sublet.Runtime.Sandboxes;

/// <summary>
/// A process started in a container by <c>runc exec</c>, which gives it the container's user,
/// capabilities, seccomp, cgroup and namespaces (runc exec.go getProcess reads them from the
/// bundle). Without a terminal runc hands its own stdio, three pipes, to the process. With one,
/// runc gets a pseudoterminal of Sublet's as its controlling terminal (setsid --ctty), as CRI-O
/// gives it one (kr/pty): runc makes the container's terminal, proxies between the two and
/// forwards size changes on SIGWINCH, and its exit code is the process's. runc's
/// <c>--console-socket</c> would hand the container's terminal itself over SCM_RIGHTS, but only
/// with <c>--detach</c>, where the exit code is lost (runc utils_linux.go checkTerminal).
/// </summary>
internal sealed class ExecSession : IStdioSession
{
    private readonly Process _process;
    private readonly PseudoTerminal? _terminal;
    private readonly string _pidFile;
    private int _killed;

    private ExecSession(Process process, PseudoTerminal? terminal, string pidFile)
    {
        _process = process;
        _terminal = terminal;
        _pidFile = pidFile;
    }

    public static ExecSession Start(OciRuntime oci, string runRoot, string id, IReadOnlyList<string> command, bool tty)
    {
        // --pid-file names the process in the container, which is no descendant of runc exec
        // (it forked into the container's PID namespace): killing it is what ends the session.
        var pidFile = Pods.PodPaths.ExecPidFile(runRoot);
        List<string> runc = [.. oci.GlobalArgs, "exec", .. tty ? ["--tty"] : Array.Empty<string>(), "--pid-file", pidFile, id, .. command];
        PseudoTerminal? terminal = null;
        try
        {
            ProcessStartInfo info;
            if (tty)
            {
                terminal = PseudoTerminal.Open();
                // The slave becomes runc's stdio and controlling terminal; sh only redirects
                // (the arguments stay an argument list: $0 is the slave, "$@" runc's command line).
                info = ProcessRunner.StartInfo("/bin/sh",
                    ["-c", "exec setsid --ctty --wait \"$@\" <\"$0\" >\"$0\" 2>&1", terminal.SlavePath, oci.Binary, .. runc], null);
            }
            else
            {
                info = ProcessRunner.StartInfo(oci.Binary, runc, null);
            }
            var process = Process.Start(info) ?? throw new RuntimeFailure($"{oci.Name} exec: could not start");
            return new ExecSession(process, terminal, pidFile);
        }
        catch
        {
            terminal?.Dispose();
            throw;
        }
    }

    public void Resize(ushort width, ushort height) => _terminal?.Resize(width, height);

    public async Task<int?> RunAsync(Stream? stdin, Stream? stdout, Stream? stderr, CancellationToken cancel)
    {
        using var stop = cancel.Register(Kill);
        Task output;
        if (_terminal is not null)
        {
            _process.StandardInput.Close();
            var master = new FileStream(_terminal.Master, FileAccess.ReadWrite, bufferSize: 0);
            if (stdin is not null)
            {
                // End of input on a terminal is its EOF character (^D), as a typing user sends it.
                _ = StdioCopy.Input(stdin, master, () => WriteEof(master), cancel);
            }
            output = Task.WhenAll(
                StdioCopy.Output(master, stdout, cancel),
                StdioCopy.Output(_process.StandardOutput.BaseStream, null, cancel),
                StdioCopy.Output(_process.StandardError.BaseStream, stderr, cancel));
        }
        else
        {
            var input = _process.StandardInput.BaseStream;
            if (stdin is null)
            {
                _process.StandardInput.Close();
            }
            else
            {
                _ = StdioCopy.Input(stdin, input, () => _process.StandardInput.Close(), cancel);
            }
            output = Task.WhenAll(
                StdioCopy.Output(_process.StandardOutput.BaseStream, stdout, cancel),
                StdioCopy.Output(_process.StandardError.BaseStream, stderr, cancel));
        }
        await output.ConfigureAwait(false);
        await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        cancel.ThrowIfCancellationRequested();
        return _process.ExitCode;
    }

    private static void WriteEof(Stream master)
    {
        try
        {
            master.Write([0x04]);
        }
        catch (IOException)
        {
            // The process has ended.
        }
    }

    /// <summary>Kills the exec'd process (its PID from runc's --pid-file) and runc.</summary>
    private void Kill()
    {
        if (Interlocked.Exchange(ref _killed, 1) == 1)
        {
            return;
        }
        try
        {
            if (int.TryParse(File.ReadAllText(_pidFile).Trim(), CultureInfo.InvariantCulture, out var pid))
            {
                Posix.Kill(pid, Posix.SIGKILL);
            }
        }
        catch (IOException)
        {
            // runc has not written it yet, or has removed it.
        }
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        File.Delete(_pidFile);
        _terminal?.Dispose();
        // Process.Dispose leaves streams read through StandardOutput and StandardError open (they
        // are the reader's then): without this each session kept two pipe descriptors.
        _process.StandardOutput.Dispose();
        _process.StandardError.Dispose();
        _process.Dispose();
    }
}
