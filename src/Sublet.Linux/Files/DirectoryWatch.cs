namespace Sublet.Linux.Files;

/// <summary>
/// Wakes a waiter when files appear in, or are written in, a directory: inotify (inotify(7),
/// through <see cref="FileSystemWatcher"/>, which uses it on Linux), so nobody polls. Events are
/// coalesced: a waiter learns that something changed and looks again, which is all the callers
/// (GetContainerEvents, <c>play --wait</c>) need.
/// </summary>
public sealed class DirectoryWatch : IDisposable
{
    private readonly FileSystemWatcher _watcher;
    private readonly ManualResetEventSlim _changed = new(false);

    /// <param name="directory">Watched non-recursively; it must exist.</param>
    /// <param name="writes">Also wake on writes to existing files (IN_MODIFY), not only on names appearing.</param>
    public DirectoryWatch(string directory, bool writes = false)
    {
        _watcher = new FileSystemWatcher(directory)
        {
            NotifyFilter = writes ? NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size : NotifyFilters.FileName,
            IncludeSubdirectories = false,
        };
        // conmon writes its exit file through a temporary name and a rename (GLib
        // g_file_set_contents), so a rename is a file appearing too.
        _watcher.Created += (_, e) => Raise(e.Name);
        _watcher.Renamed += (_, e) => Raise(e.Name);
        _watcher.Changed += (_, e) => Raise(e.Name);
        // Overflow (IN_Q_OVERFLOW): events were lost, so say that something changed.
        _watcher.Error += (_, _) => Raise(null);
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>A file appeared or changed: its name (null when the kernel dropped events).</summary>
    public event Action<string?>? Changed;

    /// <summary>
    /// Waits until something changed since the last <see cref="Reset"/>, <paramref name="timeout"/>
    /// passed or <paramref name="cancel"/> fired. Reset before looking at the state, then wait: a
    /// change in between is not lost.
    /// </summary>
    /// <returns>True when something changed.</returns>
    public bool Wait(TimeSpan timeout, CancellationToken cancel)
    {
        try
        {
            return _changed.Wait(timeout, cancel);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Reset() => _changed.Reset();

    private void Raise(string? name)
    {
        _changed.Set();
        Changed?.Invoke(name);
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _changed.Dispose();
    }
}
