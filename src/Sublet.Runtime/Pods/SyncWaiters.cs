using System.Globalization;
using Sublet.Linux.Processes;

namespace Sublet.Runtime.Pods;

/// <summary>
/// The detached <c>sublet internal sync-pod</c> processes sleeping out a pod's back-offs, each
/// registered by its PID as a file in the pod's run directory. Removal ends the registered ones
/// instead of reading the command line of every process on the node, a /proc walk that was on
/// every teardown's path. Removal marks the pod first (<see cref="PodLock.ForRemoval"/>) and a
/// waiter registers before it looks for that mark, so one of the two always sees the other.
/// </summary>
public static class SyncWaiters
{
    /// <summary>Registers the calling process; false when the pod is gone or being removed (the waiter should end). Dispose to unregister.</summary>
    public static IDisposable? Register(PodPaths paths)
    {
        if (!Directory.Exists(paths.RunDir))
        {
            return null;
        }
        var file = Path.Combine(Directories.Private(Dir(paths)), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        File.WriteAllBytes(file, []);
        var registration = new Registration(file);
        if (PodLock.IsBeingRemoved(paths))
        {
            registration.Dispose();
            return null;
        }
        return registration;
    }

    /// <summary>SIGKILL to every registered waiter of the pod whose command line still says so (a PID may have been reused since).</summary>
    public static void Stop(PodPaths paths, string podId, ProcFs proc)
    {
        var dir = Dir(paths);
        if (!Directory.Exists(dir))
        {
            return;
        }
        foreach (var file in Directory.EnumerateFiles(dir))
        {
            if (int.TryParse(Path.GetFileName(file), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && pid != Environment.ProcessId && proc.CommandLine(pid) is { } cmd
                && cmd.Contains(" internal sync-pod " + podId, StringComparison.Ordinal))
            {
                Posix.Kill(pid, Posix.SIGKILL);
            }
        }
    }

    private static string Dir(PodPaths paths) => Path.Combine(paths.RunDir, "waiters");

    private sealed class Registration(string file) : IDisposable
    {
        public void Dispose() => File.Delete(file);
    }
}
