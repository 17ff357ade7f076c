using Sublet.IdMapping;
using Sublet.Linux.Files;
using Sublet.Runtime.Pods;

namespace Sublet.Runtime.Audit;

/// <summary>
/// The ownership part of the ID audit (issue 24 item 2): every file of a user-namespaced pod's
/// writable layers must be owned inside its range (overlay writes its upper dir with the process's
/// host IDs), and every file of its disk emptyDirs inside its range or below its length (they are
/// written through an idmapped clone, which stores container ID N as on-disk ID N). Anything else
/// was put there by someone other than the pod. Entries are lstat'ed, symlinks never followed;
/// a pod's tree is walked up to <see cref="MaxEntries"/> entries (a finding says when it stopped).
/// </summary>
public static class FileOwnership
{
    public const string Check = "file owner outside range";
    public const int MaxEntries = 200_000;

    /// <summary>Pure: the finding for one entry, or null when its owner is explained.</summary>
    public static IdFinding? Judge(string pod, IdRange range, string path, uint uid, uint gid, bool idmappedVolume)
    {
        bool Explained(uint id) => range.Contains(id) || (idmappedVolume && id < range.Length);
        return Explained(uid) && Explained(gid) ? null
            : new IdFinding(pod, Check, $"{path} is owned by {uid}:{gid}, not by IDs of host range {range.Start}-{range.End - 1}{(idmappedVolume ? $" or on-disk 0-{range.Length - 1}" : "")}");
    }

    /// <summary>Walks the pod's writable layers and disk volumes under its state directory.</summary>
    public static IEnumerable<IdFinding> Of(string stateRoot, string podId, string podName, IdRange range)
    {
        var state = Path.Combine(PodPaths.StatePods(stateRoot), podId);
        var containers = Path.Combine(state, "c");
        var layers = Directory.Exists(containers) ? Directory.GetDirectories(containers).Select(c => Path.Combine(c, "upper")).Where(Directory.Exists) : [];
        var volumes = Path.Combine(state, "volumes");
        var disks = Directory.Exists(volumes) ? Directory.GetDirectories(volumes) : [];
        var seen = 0;
        foreach (var (root, idmapped) in layers.Select(l => (l, false)).Concat(disks.Select(d => (d, true))))
        {
            var pending = new Stack<string>([root]);
            while (pending.Count > 0)
            {
                var dir = pending.Pop();
                IEnumerable<string> entries;
                try
                {
                    entries = Directory.EnumerateFileSystemEntries(dir).ToList();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue; // removed while we looked
                }
                foreach (var entry in entries)
                {
                    if (++seen > MaxEntries)
                    {
                        yield return new IdFinding(podName, Check, $"stopped after {MaxEntries} entries: the rest of {root} was not checked");
                        yield break;
                    }
                    FileStatus status;
                    try
                    {
                        status = FileStatus.Of(entry);
                    }
                    catch (Linux.LinuxError)
                    {
                        continue;
                    }
                    if (Judge(podName, range, entry, status.Uid, status.Gid, idmapped) is { } finding)
                    {
                        yield return finding;
                    }
                    if (status.Kind == PathKind.Directory)
                    {
                        pending.Push(entry);
                    }
                }
            }
        }
    }
}
