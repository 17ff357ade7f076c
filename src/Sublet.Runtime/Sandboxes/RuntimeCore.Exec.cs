using System.Globalization;
using Sublet.Runtime.Monitor;
using Sublet.Runtime.Pods;

namespace Sublet.Runtime.Sandboxes;

public sealed partial class RuntimeCore
{
    /// <summary>No timeout from the client means no limit (CRI ExecSyncRequest.timeout 0); a day bounds a forgotten one.</summary>
    private static readonly TimeSpan NoTimeout = TimeSpan.FromDays(1);

    /// <summary>Runs <paramref name="command"/> in a running container with its process settings (runc exec) and returns its output.</summary>
    public ExecResult ExecSync(string id, IReadOnlyList<string> command, TimeSpan timeout, string? workingDir = null)
    {
        var entry = Running(id);
        if (command.Count == 0)
        {
            throw RuntimeError.Invalid("exec: the command is empty");
        }
        // runc exec --pid-file names the process in the container: on timeout that process is
        // killed, not only runc. It joined the container's PID namespace through a fork whose
        // parent exits, so it is no descendant of runc exec that killing runc's tree would reach.
        var pidFile = PodPaths.ExecPidFile(_ctx.Config.RunRoot);
        var limit = timeout > TimeSpan.Zero ? timeout : NoTimeout;
        var timedOut = false;
        using var timer = new Timer(_ =>
        {
            timedOut = true;
            if (ReadPid(pidFile) is { } pid)
            {
                Linux.Processes.Posix.Kill(pid, Linux.Processes.Posix.SIGKILL);
            }
        }, null, limit, Timeout.InfiniteTimeSpan);
        try
        {
            string[] flags = workingDir is null ? ["--pid-file", pidFile] : ["--pid-file", pidFile, "--cwd", workingDir];
            var result = _ctx.Oci.Exec(entry.Id, [.. flags, .. command], limit + TimeSpan.FromSeconds(30), execArgs: flags.Length);
            return timedOut
                ? throw new TimeoutException($"exec in container {id}: {string.Join(' ', command)} did not finish within {limit.TotalSeconds:0.###} s and was killed")
                : new ExecResult(result.ExitCode, result.Stdout, result.Stderr);
        }
        finally
        {
            File.Delete(pidFile);
        }
    }

    private static int? ReadPid(string pidFile)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Asks the container's conmon to reopen its log file (after the kubelet rotated it).</summary>
    public void ReopenLog(string id)
    {
        var entry = Running(id);
        if (!_ctx.Conmon.ReopenLog(Paths(entry.SandboxId).ContainerRunDir(entry.Id)))
        {
            throw RuntimeError.Precondition($"container {id}: its monitor is gone, no log to reopen");
        }
        // conmon reopens when it reads the request; the kubelet (and critest) look for the new
        // file as soon as the call returns, so it returns once the file is there (containerd too waits).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!File.Exists(entry.LogPath))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new RuntimeError(ErrorKind.Internal, $"container {id}: conmon did not reopen {entry.LogPath} within 10 s");
            }
            Thread.Sleep(10);
        }
    }

    /// <summary>Changes the cgroup limits of a running container (runc update; only the values given).</summary>
    public void UpdateResources(string id, LinuxResources r)
    {
        var entry = Running(id);
        var args = new List<string>();
        void Add(string flag, long value)
        {
            if (value > 0)
            {
                args.Add(flag);
                args.Add(value.ToString(CultureInfo.InvariantCulture));
            }
        }
        Add("--cpu-period", r.CpuPeriod);
        Add("--cpu-quota", r.CpuQuota);
        Add("--cpu-share", r.CpuShares);
        Add("--memory", r.MemoryLimitBytes);
        if (r.CpusetCpus is { Length: > 0 } cpus)
        {
            args.AddRange(["--cpuset-cpus", cpus]);
        }
        if (r.CpusetMems is { Length: > 0 } mems)
        {
            args.AddRange(["--cpuset-mems", mems]);
        }
        if (args.Count > 0)
        {
            _ctx.Oci.Update(entry.Id, args);
        }
    }

    private ContainerEntry Running(string id)
    {
        using var store = OpenStore();
        var entry = store.FindContainer(id) ?? throw RuntimeError.NotFound($"container \"{id}\" not found");
        var state = ViewOf(entry).State;
        return state == CtrState.Running ? entry
            : throw RuntimeError.Precondition($"container {id} is {state.ToString().ToUpperInvariant()}, not RUNNING");
    }
}
