using System.Globalization;
using System.Runtime.InteropServices;
using Sublet.Linux.Interop;

namespace Sublet.Linux.Processes;

/// <summary>What a program started by <see cref="Spawn"/> gets.</summary>
public sealed record SpawnRequest
{
    /// <summary>The program: a path, or a name looked up in this process's PATH (posix_spawnp(3)).</summary>
    public required string Program { get; init; }
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>The child's whole environment: nothing of this process's is passed on.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>null = this process's working directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The child's stderr, appended to (created 0600); null = /dev/null. stdin and stdout are /dev/null.</summary>
    public string? StderrFile { get; init; }

    /// <summary>Descriptors (above 2) the child keeps under the same numbers; every other is closed, as they are all O_CLOEXEC here.</summary>
    public IReadOnlyList<int> Inherit { get; init; } = [];
}

/// <summary>
/// Starts a program with posix_spawn(3): stdio, working directory and inherited descriptors set up
/// by glibc between its vfork and the exec, so no shell is needed in between (conmon was started
/// through <c>sh -c 'exec ... 2&gt;&gt;log'</c>, 1.8 ms a container; docs/benchmarks.md §6l).
/// Every signal's disposition is reset to SIG_DFL, SIG_IGN ones too, and the mask emptied: the
/// child starts as from a clean exec, whatever this process ignores or blocks.
/// A descriptor to inherit stays O_CLOEXEC in this process: posix_spawn_file_actions_adddup2 with
/// the same number clears the flag in the child only (POSIX.1-2024; glibc 2.29), so no other child
/// started meanwhile by another thread inherits it.
/// </summary>
public static class Spawn
{
    public static unsafe int Start(SpawnRequest request)
    {
        foreach (var fd in request.Inherit.Where(fd => fd <= 2))
        {
            throw new ArgumentException($"descriptor {fd} is the child's stdio, not one to inherit", nameof(request));
        }
        string?[] argv = [request.Program, .. request.Args, null];
        string?[] envp = [.. request.Env.Select(e => e.Key + "=" + e.Value), null];
        // UTF-8 marshalling would cut an entry at a NUL without a word.
        if (argv.Concat(envp).FirstOrDefault(a => a is not null && a.Contains('\0')) is { } cut)
        {
            throw new ArgumentException($"\"{cut.Replace("\0", "\\0")}\": an argument or environment entry can't hold a NUL byte", nameof(request));
        }
        var actions = stackalloc byte[Libc.SpawnFileActionsBytes];
        var attr = stackalloc byte[Libc.SpawnAttrBytes];
        Check(Libc.PosixSpawnFileActionsInit(actions), "posix_spawn_file_actions_init", null);
        try
        {
            Check(Libc.PosixSpawnattrInit(attr), "posix_spawnattr_init", null);
            try
            {
                Check(Libc.PosixSpawnFileActionsAddOpen(actions, 0, "/dev/null", Libc.O_RDONLY, 0), "posix_spawn_file_actions_addopen", "/dev/null");
                Check(Libc.PosixSpawnFileActionsAddOpen(actions, 1, "/dev/null", Libc.O_WRONLY, 0), "posix_spawn_file_actions_addopen", "/dev/null");
                Check(request.StderrFile is { } log
                    ? Libc.PosixSpawnFileActionsAddOpen(actions, 2, log, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_APPEND | Libc.O_NOCTTY, 0x180 /* 0600 */)
                    : Libc.PosixSpawnFileActionsAddOpen(actions, 2, "/dev/null", Libc.O_WRONLY, 0), "posix_spawn_file_actions_addopen", request.StderrFile);
                foreach (var fd in request.Inherit)
                {
                    Check(Libc.PosixSpawnFileActionsAddDup2(actions, fd, fd), "posix_spawn_file_actions_adddup2", null);
                }
                if (request.WorkingDirectory is { } dir)
                {
                    Check(Libc.PosixSpawnFileActionsAddChdir(actions, dir), "posix_spawn_file_actions_addchdir_np", dir);
                }
                var all = stackalloc byte[Libc.SigsetBytes];
                var none = stackalloc byte[Libc.SigsetBytes];
                Libc.Sigfillset(all);
                // glibc's sigfillset leaves out its two internal signals, 32 and 33 (SIGCANCEL,
                // SIGSETXID), and its posix_spawn then sets them to SIG_IGN in the child
                // (sysdeps/unix/sysv/linux/spawni.c); a Go program such as runc keeps an ignored
                // one and passes it to the container. Setting their bits by hand makes them SIG_DFL.
                all[3] |= 0x80; // signal 32 is bit 31
                all[4] |= 0x01; // signal 33 is bit 32
                Libc.Sigemptyset(none);
                Check(Libc.PosixSpawnattrSetsigdefault(attr, all), "posix_spawnattr_setsigdefault", null);
                Check(Libc.PosixSpawnattrSetsigmask(attr, none), "posix_spawnattr_setsigmask", null);
                Check(Libc.PosixSpawnattrSetflags(attr, Libc.POSIX_SPAWN_SETSIGDEF | Libc.POSIX_SPAWN_SETSIGMASK), "posix_spawnattr_setflags", null);
                int pid;
                // The child's own failures (the program missing, the stderr file's open or the chdir
                // failing) come back here as its errno: name all three, as the errno alone can't say which.
                Check(Libc.PosixSpawnp(&pid, request.Program, actions, attr, argv, envp), "posix_spawn",
                    $"{request.Program} (stderr to {request.StderrFile ?? "/dev/null"}, in {request.WorkingDirectory ?? Environment.CurrentDirectory})");
                return pid;
            }
            finally
            {
                Libc.PosixSpawnattrDestroy(attr);
            }
        }
        finally
        {
            Libc.PosixSpawnFileActionsDestroy(actions);
        }
    }

    /// <summary>
    /// Waits for the child <paramref name="pid"/> to end and returns its exit code (128 + the signal
    /// that killed it), or null when it was reaped already: .NET reaps every child itself when this
    /// process started with SIGCHLD ignored (System.Native's SIGCHLD handler, "reapAll").
    /// </summary>
    public static unsafe int? Wait(int pid)
    {
        int status;
        while (Libc.Waitpid(pid, &status, 0) != pid)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.ECHILD)
            {
                return null;
            }
            if (errno != Errno.EINTR)
            {
                throw new LinuxError("waitpid", pid.ToString(CultureInfo.InvariantCulture), errno);
            }
        }
        // wait(2): WIFEXITED when the low 7 bits are 0, WEXITSTATUS the next 8; else WTERMSIG.
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
    }

    /// <summary>posix_spawn(3) and its helpers return an errno value instead of setting errno.</summary>
    private static void Check(int result, string operation, string? path)
    {
        if (result != 0)
        {
            throw new LinuxError(operation, path, result);
        }
    }
}
