using Sublet.Linux.Interop;

namespace Sublet.Linux.Processes;

/// <summary>Facts about processes read from procfs (proc(5)); the root is injectable for tests.</summary>
public sealed class ProcFs
{
    private readonly string _root;

    public ProcFs(string root = "/proc") => _root = root;

    /// <summary>Field 22 of /proc/PID/stat, clock ticks since boot: with the PID it names one process for the life of a boot.</summary>
    public ulong? StartTime(int pid)
    {
        if (Read(pid, "stat") is not { } text)
        {
            return null;
        }
        // comm (field 2) may hold spaces and parentheses: fields after it follow the last ')'.
        var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return ulong.Parse(rest[19], System.Globalization.CultureInfo.InvariantCulture); // field 22 = index 19 after state (field 3)
    }

    /// <summary>True when a process with that PID exists and, if given, started at <paramref name="startTime"/>.</summary>
    public bool IsAlive(int pid, ulong? startTime = null)
    {
        var actual = StartTime(pid);
        return actual is not null && (startTime is null || actual == startTime);
    }

    /// <summary>State 'Z' in /proc/PID/stat: exited, not yet reaped.</summary>
    public bool IsZombie(int pid) => Stat(pid) is { } s && s[(s.LastIndexOf(')') + 2)] == 'Z';

    /// <summary>/proc/PID/comm, the command name.</summary>
    public string? Comm(int pid) => Read(pid, "comm")?.Trim();

    /// <summary>Every process id in /proc.</summary>
    public IEnumerable<int> Pids() =>
        Directory.EnumerateDirectories(_root).Select(Path.GetFileName).Select(n => int.TryParse(n, out var pid) ? pid : 0).Where(p => p > 0);

    /// <summary>/proc/PID/cmdline with NULs as spaces; null when the process is gone.</summary>
    public string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText(Path.Combine(_root, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "cmdline")).Replace('\0', ' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    private string? Stat(int pid) => Read(pid, "stat");

    /// <summary>
    /// A small /proc file of <paramref name="pid"/> in one read(2) into a stack buffer; null when the
    /// process is gone. File.ReadAllText allocated ~30 KB of reader and builder buffers per call, and
    /// a `sublet ps` asks several per pod whether a process lives (docs/benchmarks.md §6j).
    /// </summary>
    private string? Read(int pid, string file)
    {
        var path = Path.Combine(_root, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), file);
        try
        {
            Span<byte> buffer = stackalloc byte[4096];
            using var handle = File.OpenHandle(path);
            var length = RandomAccess.Read(handle, buffer, 0);
            // stat is well under 4 KiB (52 numeric fields and a 16-byte comm); anything longer is read whole.
            return length < buffer.Length ? System.Text.Encoding.UTF8.GetString(buffer[..length]) : File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>/proc/sys/kernel/random/boot_id: changes at every boot, so stale run state can be recognised.</summary>
    public string BootId() => _bootId ??= File.ReadAllText(Path.Combine(_root, "sys/kernel/random/boot_id")).Trim();

    // Read once: it changes only at boot, and status asks it for every pod.
    private string? _bootId;

    /// <summary>
    /// What an ID audit needs of one process, read from /proc as this (host) process sees it:
    /// status (Uid/Gid/Groups in host IDs), uid_map and gid_map (host IDs for any namespace but
    /// our own, user_namespaces(7)), the user namespace's identity and the cgroup lines. Null when
    /// the process went away meanwhile.
    /// </summary>
    public ProcessSnapshot? Snapshot(int pid)
    {
        var dir = Path.Combine(_root, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            return new ProcessSnapshot(pid, File.ReadAllText(Path.Combine(dir, "comm")).Trim(), File.ReadAllText(Path.Combine(dir, "status")),
                File.ReadAllText(Path.Combine(dir, "uid_map")), File.ReadAllText(Path.Combine(dir, "gid_map")),
                new FileInfo(Path.Combine(dir, "ns", "user")).LinkTarget ?? "", File.ReadAllText(Path.Combine(dir, "cgroup")));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Only what says which host IDs <paramref name="pid"/>'s user namespace maps, and who it is: comm,
    /// uid_map and gid_map, with <paramref name="userNamespace"/> already read (status and cgroup are
    /// left empty). Every user-namespaced pod start reads this for one process per namespace on the
    /// host. Null when the process went away meanwhile.
    /// </summary>
    public ProcessSnapshot? IdMaps(int pid, string userNamespace) =>
        Read(pid, "comm") is { } comm && Read(pid, "uid_map") is { } uidMap && Read(pid, "gid_map") is { } gidMap
            ? new ProcessSnapshot(pid, comm.Trim(), "", uidMap, gidMap, userNamespace, "")
            : null;

    /// <summary>The process's user namespace, the ns/user link ("user:[INODE]"); null when it is gone.</summary>
    public string? UserNamespace(int pid)
    {
        try
        {
            return new FileInfo(Path.Combine(_root, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "ns", "user")).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public string UidMap(int pid) => File.ReadAllText(Path.Combine(_root, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "uid_map"));

    public string FdPath(int pid, int fd) => Path.Combine(_root, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "fd", fd.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public string NamespacePath(int pid, string kind) => Path.Combine(_root, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "ns", kind);
}

/// <summary>One process's /proc files, raw (<see cref="ProcFs.Snapshot"/>); <paramref name="UserNamespace"/> is the ns/user link, "user:[INODE]".</summary>
public sealed record ProcessSnapshot(int Pid, string Comm, string Status, string UidMap, string GidMap, string UserNamespace, string Cgroup);

/// <summary>Small process and ownership calls.</summary>
public static class Posix
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    /// <summary>Sends a signal; false when the process is gone (ESRCH).</summary>
    public static bool Kill(int pid, int signal)
    {
        if (Libc.Kill(pid, signal) == 0)
        {
            return true;
        }
        var error = LinuxError.Last("kill", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return error.Errno == Errno.ESRCH ? false : throw error;
    }

    /// <summary>chown(2), following symlinks (used on directories Sublet created itself).</summary>
    public static void Chown(string path, uint uid, uint gid)
    {
        if (Libc.Chown(path, uid, gid) != 0)
        {
            throw LinuxError.Last("chown", path);
        }
    }

    public static bool IsRoot => Libc.Geteuid() == 0;

    /// <summary>
    /// execv(2): this process becomes <paramref name="path"/> with <paramref name="argv"/> (argv[0]
    /// included), keeping its PID, so a supervisor or script that started it now waits on the new
    /// program. Returns only by throwing.
    /// </summary>
    public static Exception Exec(string path, IReadOnlyList<string> argv)
    {
        Libc.Execv(path, [.. argv, null]);
        return LinuxError.Last("execv", path);
    }

    /// <summary>
    /// Fills <paramref name="buffer"/> from the kernel's CSPRNG (getrandom(2), blocking only until
    /// it is seeded at boot). Not RandomNumberGenerator: on Linux that loads OpenSSL, ~10 ms of a
    /// pod start for 32 bytes.
    /// </summary>
    public static unsafe void RandomBytes(Span<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            var done = 0;
            while (done < buffer.Length)
            {
                var n = Libc.GetRandom(start + done, (nuint)(buffer.Length - done), 0);
                if (n < 0)
                {
                    var error = LinuxError.Last("getrandom", "");
                    if (error.Errno != Errno.EINTR)
                    {
                        throw error;
                    }
                    continue;
                }
                done += (int)n;
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to the process <paramref name="pid"/> that started at
    /// <paramref name="startTime"/> (<see cref="ProcFs.StartTime"/>) during boot <paramref name="bootId"/>
    /// (<see cref="ProcFs.BootId"/>), through a pidfd (pidfd_open(2), pidfd_send_signal(2)) so the
    /// process checked is the process signalled, whatever reused the pid since it was recorded.
    /// False when that process has ended, also when the record is from another boot: a start time
    /// counts clock ticks since boot (proc(5)), so an early process of the next boot can match one.
    /// No OCI runtime process is spent on it (a `runc kill` costs ~15 ms).
    /// </summary>
    public static bool SignalExact(int pid, ulong startTime, string? bootId, int signal, ProcFs proc)
    {
        if (bootId is null || bootId != proc.BootId())
        {
            return false;
        }
        var fd = (int)Libc.Syscall(Libc.SYS_pidfd_open, pid, 0, 0, 0);
        if (fd < 0)
        {
            var error = LinuxError.Last("pidfd_open", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return error.Errno == Errno.ESRCH ? false : throw error;
        }
        using var pidfd = new SafeFd(fd);
        // Checked after the pidfd is open: if the pid was reused before, the start time differs;
        // if after, the pidfd's process has ended and the signal fails with ESRCH.
        if (proc.StartTime(pid) != startTime)
        {
            return false;
        }
        if (Libc.Syscall(Libc.SYS_pidfd_send_signal, fd, signal, 0, 0) == 0)
        {
            return true;
        }
        var sendError = LinuxError.Last("pidfd_send_signal", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return sendError.Errno == Errno.ESRCH ? false : throw sendError;
    }
}
