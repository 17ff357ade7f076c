using Sublet.Linux.Mounts;

namespace Sublet.Bench;

/// <summary>
/// A private temp dir (/tmp/sublet-bench-*, mode 0711) with a dedicated filesystem mounted at
/// <see cref="Storage"/>: a loop-mounted journaled ext4 (default) or a tmpfs. The root fs of these
/// machines is ext4 without a journal, where creating many files after deleting many gets slower
/// each round (DESIGN.md "Measuring on these machines"), so nothing many-file touches it.
/// Dispose unmounts everything below the temp dir (deepest first), detaches the loop device and
/// deletes the dir.
/// </summary>
internal sealed class Scratch : IDisposable
{
    private readonly LinuxMounter _mounter = new();
    private readonly string? _image;

    public Scratch(string kind, string prefix = "sublet-bench-")
    {
        Kind = kind;
        Root = Directory.CreateTempSubdirectory(prefix).FullName;
        File.SetUnixFileMode(Root, (UnixFileMode)0b111_001_001); // 0711: IDs of a user namespace may need to traverse it
        Storage = Path.Combine(Root, "storage");
        Directory.CreateDirectory(Storage);
        switch (kind)
        {
            case "ext4":
                // Sparse image on the root fs; inode tables and journal initialised now, not by
                // ext4lazyinit in the background while we measure.
                _image = Path.Combine(Root, "storage.img");
                Shell.Ok("truncate", "-s", "3G", _image);
                Shell.Ok("mkfs.ext4", "-q", "-F", "-N", "400000", "-E", "lazy_itable_init=0,lazy_journal_init=0", _image);
                Shell.Ok("mount", "-o", "loop", _image, Storage);
                break;
            case "tmpfs":
                Shell.Ok("mount", "-t", "tmpfs", "-o", "size=3g,mode=0711", "sublet-bench", Storage);
                break;
            case "none":
                break;
            default:
                throw new ArgumentException($"storage must be ext4 or tmpfs, not {kind}");
        }
        File.SetUnixFileMode(Storage, (UnixFileMode)0b111_001_001);
    }

    public string Kind { get; }
    public string Root { get; }
    public string Storage { get; }

    public string Describe() => Kind switch
    {
        "ext4" => "loop-mounted journaled ext4 (3 GiB sparse image, mkfs.ext4 -N 400000, lazy init off)",
        "tmpfs" => "tmpfs (size=3g)",
        _ => "the root filesystem",
    };

    /// <summary>Unmounts whatever is mounted below the temp dir except the storage itself (deepest first).</summary>
    public void UnmountBelow(string dir)
    {
        foreach (var point in _mounter.MountPointsUnder(dir))
        {
            if (point != Storage) _mounter.Unmount(point);
        }
    }

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        var errors = new List<string>();
        try { UnmountBelow(Root); } catch (Exception e) { errors.Add(e.Message); }
        if (Kind != "none")
        {
            // A real umount (not lazy) first, so the loop device's autoclear detaches it now.
            var r = Shell.Run("umount", Storage);
            if (r.ExitCode != 0)
            {
                errors.Add($"umount {Storage}: {r.Stderr.Trim()}; detaching lazily");
                Shell.Run("umount", "-l", Storage);
            }
        }
        if (_image is not null)
        {
            foreach (var dev in Shell.Run("losetup", "-j", _image, "-O", "NAME", "-n").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Shell.Run("losetup", "-d", dev.Trim());
            }
        }
        try { Directory.Delete(Root, recursive: true); } catch (Exception e) { errors.Add($"rm {Root}: {e.Message}"); }
        foreach (var e in errors) Console.Error.WriteLine($"cleanup: {e}");
    }
}
