using System.Globalization;
using Sublet.Linux.Files;
using Sublet.Runtime.Oci;

namespace Sublet.Kubelet.Volumes;

/// <summary>
/// Publishes a set of files into a volume directory so that readers see the old set or the new
/// one, never a mix — the kubelet's AtomicWriter layout (pkg/volume/util/atomic_writer.go):
/// <code>
/// ..2026_11_23_22_40_00.123456789/   the files of one version
/// ..data -> ..2026_11_23_22_40_00.123456789
/// key -> ..data/key                   one symlink per top-level path
/// </code>
/// An update writes a new timestamped directory, points <c>..data_tmp</c> at it and renames that
/// over <c>..data</c> (rename(2) replaces the name atomically), then fixes the top-level links
/// and removes the old directory. A reader that resolves <c>..data</c> once sees one version.
/// </summary>
public sealed class AtomicWriter(string targetDir, TimeProvider? time = null)
{
    public const string DataDir = "..data";
    private const string DataTmp = "..data_tmp";
    private const int MaxPathLength = 4096, MaxFileNameLength = 255;
    private const UnixFileMode DirMode = (UnixFileMode)0b111_101_101; // 0755, as the kubelet chmods its timestamped dirs
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Publishes <paramref name="payload"/>; false when it is what the volume shows already (nothing is touched).</summary>
    public bool Write(IReadOnlyList<ProjectedFile> payload)
    {
        foreach (var file in payload)
        {
            Validate(file.Path);
        }
        var dataLink = Path.Combine(targetDir, DataDir);
        var oldName = new FileInfo(dataLink).LinkTarget;
        if (oldName is not null && Same(Path.Combine(targetDir, oldName), payload))
        {
            return false;
        }

        var newName = NewVersionDir();
        var newDir = Path.Combine(targetDir, newName);
        try
        {
            foreach (var file in payload)
            {
                WriteFile(newDir, file);
            }
            var tmp = Path.Combine(targetDir, DataTmp);
            RemoveEntry(tmp); // left by an update that was interrupted
            File.CreateSymbolicLink(tmp, newName);
            FileOps.Rename(tmp, dataLink);
        }
        catch
        {
            // Not published: the old version stays whole, and this one must not pile up.
            RemoveEntry(newDir);
            throw;
        }

        var visible = payload.Select(f => f.Path.Split('/')[0]).ToHashSet(StringComparer.Ordinal);
        foreach (var name in visible)
        {
            var link = Path.Combine(targetDir, name);
            if (new FileInfo(link).LinkTarget is null)
            {
                File.CreateSymbolicLink(link, DataDir + "/" + name);
            }
        }
        foreach (var entry in Directory.EnumerateFileSystemEntries(targetDir).Select(Path.GetFileName))
        {
            var path = Path.Combine(targetDir, entry!);
            // A key that went away: only our own symlinks into ..data are removed.
            if (!entry!.StartsWith("..", StringComparison.Ordinal) && !visible.Contains(entry)
                && new FileInfo(path).LinkTarget == DataDir + "/" + entry)
            {
                File.Delete(path);
            }
        }
        if (oldName is not null && oldName != newName && Directory.Exists(Path.Combine(targetDir, oldName)))
        {
            Directory.Delete(Path.Combine(targetDir, oldName), recursive: true);
        }
        return true;
    }

    /// <summary>Removes a file, symlink or directory tree at <paramref name="path"/> (never following a symlink); missing is fine.</summary>
    private static void RemoveEntry(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || File.Exists(path))
        {
            File.Delete(path);
        }
        else if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    /// <summary>The kubelet's validatePath: relative, no "..", no leading "..", within Linux's name limits.</summary>
    public static void Validate(string path)
    {
        string? problem = path switch
        {
            "" => "must not be empty",
            _ when path.StartsWith('/') => "must be relative path",
            _ when path.Length > MaxPathLength => $"must be less than or equal to {MaxPathLength} characters",
            _ when path.Split('/').Contains("..") => "must not contain '..'",
            _ when path.Split('/').Any(p => p.Length > MaxFileNameLength) => $"must not contain path elements longer than {MaxFileNameLength} characters",
            _ when path.Split('/').Any(p => p.Length == 0 || p == ".") => "must not contain empty or '.' elements",
            _ when path.StartsWith("..", StringComparison.Ordinal) => "must not start with '..'",
            _ => null,
        };
        if (problem is not null)
        {
            throw new PlanException($"invalid path {path}: {problem}");
        }
    }

    /// <summary><c>..YYYY_MM_DD_HH_MM_SS.NNNNNNNNN</c> (UTC), 0755; a fresh name if that one exists.</summary>
    private string NewVersionDir()
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var stamp = now.ToString("yyyy_MM_dd_HH_mm_ss", CultureInfo.InvariantCulture);
        var nanos = now.Ticks % TimeSpan.TicksPerSecond * 100;
        for (; ; nanos = (nanos + 1) % 1_000_000_000)
        {
            var name = $"..{stamp}.{nanos:D9}";
            var dir = Path.Combine(targetDir, name);
            if (!Path.Exists(dir))
            {
                Directory.CreateDirectory(dir, DirMode);
                File.SetUnixFileMode(dir, DirMode); // whatever the umask
                return name;
            }
        }
    }

    private static void WriteFile(string dir, ProjectedFile file)
    {
        var path = Path.Combine(dir, file.Path);
        var parent = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(parent))
        {
            Directory.CreateDirectory(parent, DirMode);
        }
        var mode = (UnixFileMode)(file.Mode & 0b111_111_111);
        // CreateNew: the directory is new and ours, so nothing may be there already, least of all a link.
        using (var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
        {
            stream.Write(file.Content);
        }
        File.SetUnixFileMode(path, mode); // the umask took bits off at creation
    }

    /// <summary>Whether <paramref name="dir"/> holds exactly <paramref name="payload"/>, content and modes (the kubelet's shouldWritePayload).</summary>
    private static bool Same(string dir, IReadOnlyList<ProjectedFile> payload)
    {
        if (!Directory.Exists(dir) || Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Count() != payload.Count)
        {
            return false;
        }
        return payload.All(f =>
        {
            var path = Path.Combine(dir, f.Path);
            return File.Exists(path) && (int)File.GetUnixFileMode(path) == (f.Mode & 0b111_111_111)
                && File.ReadAllBytes(path).AsSpan().SequenceEqual(f.Content);
        });
    }
}
