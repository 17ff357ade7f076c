using System.Globalization;
using Sublet.Linux.Files;
using Sublet.Linux.Processes;
using Sublet.Runtime.Pods;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// The detached <c>sublet internal sync-pod</c> processes sleeping out a pod's back-offs, each
/// registered by its PID as a file in the pod's run directory. Removal ends the registered ones
/// instead of reading the command line of every process on the node, a /proc walk that was on
/// every teardown's path. Removal marks the pod first (<see cref="PodLock.ForRemoval"/>) and a
/// waiter registers before it looks for that mark, so one of the two always sees the other.
/// </summary>
public static class SyncWaiters
{
    /// <summary>
    /// Registers the calling process under its PID, with its start time and boot id so removal
    /// signals this process and no other that reuses the PID later. Null when the pod is gone or
    /// being removed (the waiter should end); dispose to unregister.
    /// </summary>
    public static IDisposable? Register(PodPaths paths, ProcFs proc)
    {
        // Not Directory.CreateDirectory: with the pod's run directory removed meanwhile it would
        // make that again, left behind for good.
        if (!FileOps.MakeDirectory(Dir(paths), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute))
        {
            return null;
        }
        var self = Environment.ProcessId;
        var file = Path.Combine(Dir(paths), self.ToString(CultureInfo.InvariantCulture));
        File.WriteAllText(file, $"{proc.StartTime(self)} {proc.BootId()}\n");
        var registration = new Registration(file);
        if (PodLock.IsBeingRemoved(paths))
        {
            registration.Dispose();
            return null;
        }
        return registration;
    }

    /// <summary>
    /// SIGKILL to every registered waiter of the pod, through a pidfd checked against the start
    /// time and boot id it registered (<see cref="Posix.SignalExact"/>): a waiter that ended is
    /// skipped, whatever now has its PID. A registration without them (written by an older
    /// binary) is left: that waiter ends by itself once it sees the pod gone.
    /// </summary>
    public static void Stop(PodPaths paths, ProcFs proc)
    {
        var dir = Dir(paths);
        if (!Directory.Exists(dir))
        {
            return;
        }
        foreach (var file in Directory.EnumerateFiles(dir))
        {
            if (int.TryParse(Path.GetFileName(file), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && pid != Environment.ProcessId && Parse(ReadOrEmpty(file)) is var (start, bootId))
            {
                Posix.SignalExact(pid, start, bootId, Posix.SIGKILL, proc);
            }
        }
    }

    /// <summary>A registration's "START BOOT-ID"; null when it is not one.</summary>
    public static (ulong Start, string BootId)? Parse(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length == 2 && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? (start, parts[1]) : null;
    }

    private static string ReadOrEmpty(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (FileNotFoundException)
        {
            return ""; // the waiter unregistered meanwhile
        }
    }

    private static string Dir(PodPaths paths) => Path.Combine(paths.RunDir, "waiters");

    private sealed class Registration(string file) : IDisposable
    {
        public void Dispose() => File.Delete(file);
    }
}
