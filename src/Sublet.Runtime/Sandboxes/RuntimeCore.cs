using Microsoft.Win32.SafeHandles;
using Sublet.Linux.Files;
using Sublet.Runtime.Monitor;
using Sublet.Runtime.Pods;
using Sublet.Runtime.State;

namespace Sublet.Runtime.Sandboxes;

/// <summary>
/// The sandbox and container operations on runc and conmon (<see cref="ISandboxRuntime"/>).
/// Safe for concurrent calls: each opens its own connection to the state database, and every
/// change to a sandbox or its containers happens under the sandbox's lock (flock on a file in its
/// state directory, so a <c>sublet</c> process beside <c>serve</c> takes turns too). Readers take
/// no lock and write nothing.
/// </summary>
public sealed partial class RuntimeCore : ISandboxRuntime
{
    private static readonly TimeSpan CreateTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LockWait = TimeSpan.FromMinutes(2);

    /// <summary>How long a container or pause process gets to end after SIGKILL before removal goes on without its exit status.</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(30);

    private readonly RuntimeContext _ctx;
    private readonly bool _shareStore;

    /// <param name="ctx">The node's wiring.</param>
    /// <param name="shareStore">
    /// Use the context's <see cref="RuntimeContext.Store"/> connection: for a command that calls the
    /// core from one thread. Otherwise each operation opens its own (one connection can't serve
    /// concurrent calls, as serve makes them).
    /// </param>
    public RuntimeCore(RuntimeContext ctx, bool shareStore = false)
    {
        _ctx = ctx;
        _shareStore = shareStore;
    }

    private StateStore OpenStore() => _shareStore ? _ctx.Store.Borrow() : new(_ctx.Config.StateRoot);

    private PodPaths Paths(string sandboxId) => _ctx.Paths(sandboxId);

    /// <summary>64 hex digits from the kernel's random source (getrandom(2)), as containerd's and CRI-O's IDs.</summary>
    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[32];
        Sublet.Linux.Processes.Posix.RandomBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <param name="shared">For operations that only signal and wait (stops): they run side by side, never beside a change.</param>
    private SafeFileHandle Lock(string sandboxId, bool shared = false)
    {
        var paths = Paths(sandboxId);
        if (!Directory.Exists(paths.StateDir))
        {
            Directories.Private(paths.StateDir);
        }
        return FileOps.TryLockFile(Path.Combine(paths.StateDir, "core.lock"), LockWait, shared)
            ?? throw new RuntimeError(ErrorKind.Internal, $"sandbox {sandboxId} stayed locked by another operation for {LockWait.TotalSeconds:0} s");
    }

    private ConmonPaths ConmonPaths(string bundle, string stateDir, string logPath) =>
        new(bundle, stateDir, logPath,
            Directories.Shared(PodPaths.ExitDir(_ctx.Config.RunRoot)), Directories.Shared(PodPaths.SocketDir(_ctx.Config.RunRoot)));

    /// <summary>
    /// Waits for the exit file conmon writes in <paramref name="stateDir"/>; true when it appeared.
    /// Only while the process (<paramref name="pid"/>) or its conmon lives, as <see cref="ViewOf"/>
    /// reads them: with both gone (conmon killed, a start killed before it) no file is coming, and
    /// waiting out the timeout for one made a StopPodSandbox outlast crictl's 2 s deadline.
    /// Liveness first, then the file: conmon writes it before it exits.
    /// </summary>
    private bool WaitForExit(string stateDir, int? pid, TimeSpan timeout)
    {
        var exitFile = Path.Combine(stateDir, "exit");
        var conmon = ConmonPid(stateDir);
        var deadline = DateTime.UtcNow + timeout;
        while (!File.Exists(exitFile))
        {
            if (!Lives(pid) && !(conmon is int c && IsConmon(c)))
            {
                return File.Exists(exitFile);
            }
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            // 1 ms: the file comes ~1 ms after a SIGKILL, so a 5 ms nap made each pause's stop
            // ~3 ms longer than the kill (docs/benchmarks.md §6k); the wait lasts milliseconds.
            Thread.Sleep(1);
        }
        return true;
    }

    /// <summary>conmon's exit file holds the exit code as decimal text; its time is when the process ended.</summary>
    private static (int? Code, DateTimeOffset? Time) ReadExit(string exitFile)
    {
        try
        {
            var text = File.ReadAllText(exitFile).Trim();
            return int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var code)
                ? (code, new DateTimeOffset(File.GetLastWriteTimeUtc(exitFile), TimeSpan.Zero))
                : (null, null);
        }
        catch (FileNotFoundException)
        {
            return (null, null);
        }
        catch (DirectoryNotFoundException)
        {
            return (null, null);
        }
    }
}
