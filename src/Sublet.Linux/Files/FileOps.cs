using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Sublet.Linux.Interop;

namespace Sublet.Linux.Files;

/// <summary>
/// Safe wrappers for the file calls an image unpacker needs. None of them follows a symlink in the
/// last path component; every failure throws <see cref="LinuxError"/> naming the call and path.
/// </summary>
public static class FileOps
{
    /// <summary>S_IFMT file-type bits (sys/stat.h), for <see cref="Mknod"/>.</summary>
    public const uint S_IFIFO = 0x1000, S_IFCHR = 0x2000, S_IFBLK = 0x6000;

    /// <summary>lchown(2): owner of the entry itself, also when it is a symlink.</summary>
    public static void Lchown(string path, uint uid, uint gid) =>
        Check(FileSyscalls.Lchown(path, uid, gid), "lchown", path);

    /// <summary>lchown(2) of the group only (owner -1 = unchanged), on the entry itself, also when it is a symlink.</summary>
    public static void LchownGroup(string path, uint gid) =>
        Check(FileSyscalls.Lchown(path, uint.MaxValue, gid), "lchown", path);

    /// <summary>mknod(2) for character/block devices and FIFOs; <paramref name="mode"/> includes S_IF*.</summary>
    public static void Mknod(string path, uint mode, uint major, uint minor) =>
        Check(FileSyscalls.Mknod(path, mode, MakeDev(major, minor)), "mknod", path);

    /// <summary>glibc's makedev(3) encoding of a 64-bit dev_t.</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8)
        | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    /// <summary>lsetxattr(2): sets an extended attribute on the entry itself.</summary>
    public static void Lsetxattr(string path, string name, ReadOnlySpan<byte> value) =>
        Check(FileSyscalls.Lsetxattr(path, name, value.ToArray(), (nuint)value.Length, 0), "lsetxattr " + name, path);

    /// <summary>lgetxattr(2); null when the attribute is absent (ENODATA).</summary>
    public static byte[]? Lgetxattr(string path, string name)
    {
        var buffer = new byte[65536];
        var n = FileSyscalls.Lgetxattr(path, name, buffer, (nuint)buffer.Length);
        if (n < 0)
        {
            if (Marshal.GetLastPInvokeError() == Errno.ENODATA) return null;
            throw LinuxError.Last("lgetxattr " + name, path);
        }
        return buffer.AsSpan(0, (int)n).ToArray();
    }

    /// <summary>llistxattr(2): the names of the entry's own extended attributes (empty where the filesystem has none).</summary>
    public static IReadOnlyList<string> Llistxattr(string path)
    {
        // Ask for the size first: most entries have no attributes, and a layer copy asks for every entry.
        while (true)
        {
            var size = FileSyscalls.Llistxattr(path, null, 0);
            if (size == 0) return [];
            if (size > 0)
            {
                var buffer = new byte[size];
                var n = FileSyscalls.Llistxattr(path, buffer, (nuint)buffer.Length);
                // A list of NUL-terminated names (listxattr(2)).
                if (n >= 0) return System.Text.Encoding.UTF8.GetString(buffer, 0, (int)n).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                if (Marshal.GetLastPInvokeError() == Errno.ERANGE) continue; // the list grew in between: ask again
            }
            if (Marshal.GetLastPInvokeError() == Errno.EOPNOTSUPP) return [];
            throw LinuxError.Last("llistxattr", path);
        }
    }

    /// <summary>
    /// Opens a regular file for reading with O_NOFOLLOW: a symlink swapped in at the last component
    /// fails with ELOOP instead of being followed.
    /// </summary>
    public static FileStream OpenReadNoFollow(string path)
    {
        var fd = FileSyscalls.Open(path, FileSyscalls.O_RDONLY | FileSyscalls.O_NOFOLLOW | FileSyscalls.O_CLOEXEC, 0);
        if (fd.IsInvalid)
        {
            var error = LinuxError.Last("open", path);
            fd.Dispose();
            throw error;
        }
        return new FileStream(fd, FileAccess.Read);
    }

    /// <summary>utimensat(2) with AT_SYMLINK_NOFOLLOW: sets atime and mtime of the entry itself.</summary>
    public static void Lutimes(string path, DateTimeOffset atime, DateTimeOffset mtime)
    {
        long[] times = [.. Timespec(atime), .. Timespec(mtime)];
        Check(FileSyscalls.Utimensat(FileSyscalls.AT_FDCWD, path, times, FileSyscalls.AT_SYMLINK_NOFOLLOW), "utimensat", path);
    }

    /// <summary>linkat(2) without AT_SYMLINK_FOLLOW: a hard link to <paramref name="existing"/> itself.</summary>
    public static void Link(string existing, string newPath) =>
        Check(FileSyscalls.Linkat(FileSyscalls.AT_FDCWD, existing, FileSyscalls.AT_FDCWD, newPath, 0), "link " + existing + " ->", newPath);

    /// <summary>
    /// mkdir(2) of <paramref name="path"/> alone, never its parents, then <paramref name="mode"/>
    /// set (mkdir's mode passes through the umask). False when the parent does not exist, so a
    /// directory being removed is not made again beneath; true when it exists already.
    /// </summary>
    public static bool MakeDirectory(string path, UnixFileMode mode)
    {
        if (Libc.Mkdirat(Libc.AT_FDCWD, path, (uint)mode) != 0)
        {
            var error = LinuxError.Last("mkdir", path);
            if (error.Errno == Errno.ENOENT)
            {
                return false;
            }
            if (error.Errno != Errno.EEXIST)
            {
                throw error;
            }
        }
        File.SetUnixFileMode(path, mode);
        return true;
    }

    /// <summary>
    /// rename(2): replaces <paramref name="newPath"/> atomically, whatever it is (a symlink to a
    /// directory too, which File.Move refuses); neither name's last component is followed.
    /// </summary>
    public static void Rename(string oldPath, string newPath) =>
        Check(FileSyscalls.Rename(oldPath, newPath), "rename " + oldPath + " ->", newPath);

    /// <summary>
    /// Opens (creating, 0600) <paramref name="path"/> and takes a blocking flock(2) on it; disposing
    /// the handle releases the lock. flock locks belong to the open file description, so they work
    /// between processes and between handles of one process alike.
    /// </summary>
    public static SafeFileHandle LockFile(string path, bool exclusive)
    {
        var fd = FileSyscalls.Open(path, FileSyscalls.O_RDWR | FileSyscalls.O_CREAT | FileSyscalls.O_NOFOLLOW | FileSyscalls.O_CLOEXEC, 0x180);
        if (fd.IsInvalid)
        {
            var error = LinuxError.Last("open", path);
            fd.Dispose();
            throw error;
        }
        while (FileSyscalls.Flock(fd, exclusive ? FileSyscalls.LOCK_EX : FileSyscalls.LOCK_SH) != 0)
        {
            if (Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
            var error = LinuxError.Last("flock", path);
            fd.Dispose();
            throw error;
        }
        return fd;
    }

    /// <summary>
    /// Like <see cref="LockFile"/>, but gives up after <paramref name="timeout"/> and returns null:
    /// for callers that must make progress even when a holder is stuck.
    /// </summary>
    /// <param name="shared">LOCK_SH: held beside other shared holders, never beside an exclusive one (flock(2)).</param>
    public static SafeFileHandle? TryLockFile(string path, TimeSpan timeout, bool shared = false)
    {
        var fd = FileSyscalls.Open(path, FileSyscalls.O_RDWR | FileSyscalls.O_CREAT | FileSyscalls.O_NOFOLLOW | FileSyscalls.O_CLOEXEC, 0x180);
        if (fd.IsInvalid)
        {
            var error = LinuxError.Last("open", path);
            fd.Dispose();
            throw error;
        }
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (FileSyscalls.Flock(fd, (shared ? FileSyscalls.LOCK_SH : FileSyscalls.LOCK_EX) | FileSyscalls.LOCK_NB) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is not (Errno.EINTR or Errno.EAGAIN))
            {
                var error = LinuxError.Last("flock", path);
                fd.Dispose();
                throw error;
            }
            if (Environment.TickCount64 > deadline)
            {
                fd.Dispose();
                return null;
            }
            Thread.Sleep(20);
        }
        return fd;
    }

    private static long[] Timespec(DateTimeOffset t)
    {
        var ticks = t.UtcTicks - DateTime.UnixEpoch.Ticks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0) { seconds--; rest += TimeSpan.TicksPerSecond; }
        return [seconds, rest * 100];
    }

    private static void Check(int result, string operation, string path)
    {
        if (result != 0) throw LinuxError.Last(operation, path);
    }
}
