using Sublet.Linux.Files;

namespace Sublet.Runtime.Rootfs;

/// <summary>What a chown copy made.</summary>
/// <param name="Dropped">Attributes left out, as "path: reason".</param>
public sealed record CopyReport(int Entries, IReadOnlyList<string> Dropped);

/// <summary>
/// Copies one unpacked layer with every owner shifted (<see cref="CopyPlanner"/> decides, this acts).
/// <para>Containment: the target is a fresh directory only this process writes to. Every
/// directory on a target path was created by this copy as a real directory, and entries are
/// created with calls that don't follow the last component (mkdir, O_EXCL open, symlink, mknod,
/// linkat), so no write can leave the target. Sources are lstat'ed, symlinks are read with
/// readlink and re-created, never followed, and regular files are opened with O_NOFOLLOW.</para>
/// Per entry: create, lchown, then chmod (chown clears setuid/setgid), then xattrs (chown also
/// clears security.capability), then mtime; directory times last, deepest first, because
/// creating children changes them.
/// </summary>
public sealed class LayerCopier(ILayerFiles files)
{
    public CopyReport Copy(string source, string target, IdShift shift)
    {
        var dropped = new List<string>();
        var copiedInodes = new Dictionary<((uint, uint) Device, ulong Inode), string>();
        var directoryTimes = new List<(string Path, DateTimeOffset Mtime)>();
        var entries = 0;
        var root = files.Lstat(source);
        if (root.Kind != PathKind.Directory)
        {
            throw new IOException($"{source}: a layer must be a directory, found {root.Kind}");
        }
        // Depth-first with an explicit stack: a deep tree can't overflow the call stack.
        var pending = new Stack<(string Source, string Target, FileStatus Status)>();
        pending.Push((source, target, root));
        while (pending.TryPop(out var item))
        {
            entries++;
            var (from, to, status) = item;
            var key = (status.Device, status.Inode);
            copiedInodes.TryGetValue(key, out var firstCopy);
            var step = CopyPlanner.Plan(status, files.Xattrs(from), shift, firstCopy);
            Apply(step, from, to, status);
            dropped.AddRange(step.Dropped.Select(d => $"{Path.GetRelativePath(source, from)}: {d}"));
            if (step.Action == CopyAction.Directory)
            {
                directoryTimes.Add((to, status.Mtime));
                // Pushed in reverse so that entries are copied in name order (the first name of a hard-linked inode carries it).
                foreach (var name in files.Names(from).Reverse())
                {
                    var child = Path.Combine(from, Child(from, name));
                    pending.Push((child, Path.Combine(to, name), files.Lstat(child)));
                }
            }
            else if (step.Action != CopyAction.HardLink && CopyPlanner.MayHaveOtherNames(status))
            {
                copiedInodes[key] = to;
            }
        }
        for (var i = directoryTimes.Count - 1; i >= 0; i--)
        {
            files.SetMtime(directoryTimes[i].Path, directoryTimes[i].Mtime);
        }
        return new CopyReport(entries, dropped);
    }

    private void Apply(CopyStep step, string from, string to, FileStatus status)
    {
        switch (step.Action)
        {
            case CopyAction.HardLink:
                files.HardLink(step.LinkTo!, to);
                return; // the link shares the first copy's inode: owner, mode and attributes included
            case CopyAction.Directory:
                files.CreateDirectory(to);
                break;
            case CopyAction.File:
                files.CopyContents(from, to);
                break;
            case CopyAction.Symlink:
                files.Symlink(to, files.ReadLink(from));
                break;
            case CopyAction.Node:
                files.MakeNode(to, status);
                break;
        }
        files.Lchown(to, step.Uid, step.Gid);
        if (step.Action != CopyAction.Symlink)
        {
            files.Chmod(to, step.Mode);
        }
        foreach (var (name, value) in step.Xattrs)
        {
            files.SetXattr(to, name, value);
        }
        if (step.Action != CopyAction.Directory)
        {
            files.SetMtime(to, status.Mtime);
        }
    }

    /// <summary>A directory listing yields plain names; anything else would be a path trick.</summary>
    private static string Child(string directory, string name) =>
        name is "" or "." or ".." || name.Contains('/', StringComparison.Ordinal)
            ? throw new IOException($"{directory}: listing returned the name \"{name}\"")
            : name;
}
