using Microsoft.Win32.SafeHandles;
using Sublet.Linux.Files;
using Sublet.Runtime.Pods;

namespace Sublet.Kubelet.Pods;

/// <summary>
/// The pod's sync lock (flock(2) on <c>sync.lock</c> in its state directory): exit hooks, apply's
/// republishing and removal take turns on it. Removal first leaves a <c>removing</c> mark, and the
/// others give up when they see it: conmon waits for its exit hook before it exits, and removal
/// waits for conmon, so a hook that blocked on the lock would hold up every <c>down</c> until
/// the remover's patience ran out.
/// </summary>
public static class PodLock
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>The lock for a sync or republish; null when the pod is gone or being removed (there is nothing left to do).</summary>
    public static SafeFileHandle? ForSync(PodPaths paths)
    {
        while (true)
        {
            if (!Directory.Exists(paths.StateDir) || File.Exists(Mark(paths)))
            {
                return null;
            }
            if (FileOps.TryLockFile(LockPath(paths), Poll) is { } held)
            {
                if (!File.Exists(Mark(paths)))
                {
                    return held;
                }
                held.Dispose();
                return null;
            }
        }
    }

    /// <summary>
    /// Marks the pod as being removed, then waits up to <paramref name="wait"/> for a sync that
    /// is under way; null when there is no state directory or a holder is stuck (removal goes on).
    /// </summary>
    public static SafeFileHandle? ForRemoval(PodPaths paths, TimeSpan wait)
    {
        if (!Directory.Exists(paths.StateDir))
        {
            return null;
        }
        File.WriteAllBytes(Mark(paths), []);
        return FileOps.TryLockFile(LockPath(paths), wait);
    }

    /// <summary>True once removal has marked the pod, or its state directory is gone.</summary>
    public static bool IsBeingRemoved(PodPaths paths) => !Directory.Exists(paths.StateDir) || File.Exists(Mark(paths));

    private static string LockPath(PodPaths paths) => Path.Combine(paths.StateDir, "sync.lock");

    private static string Mark(PodPaths paths) => Path.Combine(paths.StateDir, "removing");
}
