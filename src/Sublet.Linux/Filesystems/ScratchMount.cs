using Sublet.Linux.Interop;

namespace Sublet.Linux.Filesystems;

/// <summary>
/// A small filesystem (tmpfs, ramfs) mounted on a fresh temp directory for a probe or a test;
/// Dispose detaches it and removes the directory, so nothing is left behind.
/// </summary>
public sealed class ScratchMount : IDisposable
{
    private ScratchMount(string path) => Path = path;

    public string Path { get; }

    /// <summary>mount(2) <paramref name="fsType"/> with <paramref name="options"/> on a new directory under <paramref name="parent"/> (default: the temp dir).</summary>
    public static ScratchMount Create(string fsType, string? options = null, string? parent = null)
    {
        var dir = parent is null
            ? Directory.CreateTempSubdirectory($"sublet-{fsType}-").FullName
            : Directory.CreateDirectory(System.IO.Path.Combine(parent, $".sublet-{fsType}-{Guid.NewGuid():N}")).FullName;
        if (Libc.Mount(fsType, dir, fsType, MS_NOSUID | MS_NODEV | MS_NOEXEC, options) != 0)
        {
            var error = LinuxError.Last($"mount {fsType}", dir);
            Directory.Delete(dir);
            throw error;
        }
        return new ScratchMount(dir);
    }

    public void Dispose()
    {
        // MNT_DETACH: an open file below (a failed test's) doesn't keep the mount on the host.
        if (Libc.Umount2(Path, Libc.MNT_DETACH | Libc.UMOUNT_NOFOLLOW) != 0)
        {
            throw LinuxError.Last("umount", Path);
        }
        Directory.Delete(Path);
    }

    // mount(2) MS_* flags (linux/mount.h).
    private const ulong MS_NOSUID = 2;
    private const ulong MS_NODEV = 4;
    private const ulong MS_NOEXEC = 8;
}
