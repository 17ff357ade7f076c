using System.Runtime.InteropServices;
using System.Text;
using Sublet.Linux.Interop;

namespace Sublet.Linux.Files;

/// <summary>
/// Removes a directory tree through directory descriptors, one open at a time, like Go's
/// os.RemoveAll (removeall_at.go) but iterative: a pod can nest directories far deeper than
/// PATH_MAX (4096) allows a path to reach, and deeper than the fd limit allows descriptors to
/// stay open. Every call names one entry relative to the directory's descriptor, so no path ever
/// grows; symlinks are unlinked, never followed (O_NOFOLLOW); a directory on another mount (a
/// different statx mount ID) is not entered: it is reported, as unlinkat(2) would give EBUSY.
/// </summary>
/// <remarks>
/// Climbing back up goes through "..": sound only because nothing else changes the tree while it
/// runs. Sublet removes a pod's directories after its processes are dead (PodRemover kills and
/// deletes every container first, ContainerRunner deletes the container before clearing it), so
/// no process inside the pod can move a directory away to redirect "..".
/// </remarks>
public static class TreeRemover
{
    private const int BufferSize = 32 * 1024;
    private const int DirFlags = Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC;

    /// <summary>Removes <paramref name="path"/> and everything below it; gone already is fine. A symlink or file at <paramref name="path"/> is unlinked.</summary>
    public static void Remove(string path)
    {
        var root = Path.GetFullPath(path).TrimEnd('/');
        if (root.Length == 0)
        {
            throw new ArgumentException("refusing to remove /", nameof(path));
        }
        var rootName = Bytes(root);
        var fd = Retry(() => Libc.Openat(Libc.AT_FDCWD, rootName, DirFlags, 0));
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            switch (errno)
            {
                case Errno.ENOENT:
                    return;
                case Errno.ENOTDIR or Errno.ELOOP: // a file or a symlink: unlink the entry itself
                    Unlink(Libc.AT_FDCWD, rootName, 0, root);
                    return;
                default:
                    throw new LinuxError("open", root, errno);
            }
        }
        var names = new Stack<byte[]>();
        // One buffer for the whole walk: each directory is read again after every subdirectory it had.
        // From the shared pool: a pod's teardown removes several trees, and a fresh 32 KB each is
        // eight new heap pages each (docs/benchmarks.md §6l).
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var mountId = MountId(fd, root);
            while (true)
            {
                if (EmptyOrSubdirectory(fd, buffer, names, root) is { } child)
                {
                    var childFd = Retry(() => Libc.Openat(fd, child, DirFlags, 0));
                    if (childFd < 0)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        if (errno is Errno.ENOTDIR or Errno.ELOOP)
                        {
                            Unlink(fd, child, 0, Show(root, names, child));
                        }
                        else if (errno != Errno.ENOENT)
                        {
                            throw new LinuxError("open", Show(root, names, child), errno);
                        }
                        continue;
                    }
                    if (MountId(childFd, Show(root, names, child)) != mountId)
                    {
                        Libc.Close(childFd);
                        throw Failure("open", Show(root, names, child), Errno.EBUSY);
                    }
                    names.Push(child);
                    Libc.Close(fd);
                    fd = childFd;
                    continue;
                }
                if (names.Count == 0)
                {
                    break;
                }
                var parent = Retry(() => Libc.Openat(fd, DotDot, DirFlags, 0));
                if (parent < 0)
                {
                    throw LinuxError.Last("open", Show(root, names, DotDot));
                }
                Libc.Close(fd);
                fd = parent;
                var name = names.Pop();
                Unlink(fd, name, Libc.AT_REMOVEDIR, Show(root, names, name));
            }
        }
        finally
        {
            Libc.Close(fd);
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        Unlink(Libc.AT_FDCWD, rootName, Libc.AT_REMOVEDIR, root);
    }

    /// <summary>
    /// Unlinks every non-directory in <paramref name="fd"/> and returns the first subdirectory
    /// met, or null once the directory is empty. Reads from offset 0 each time: entries removed
    /// below since the last read would otherwise confuse the directory's read position.
    /// </summary>
    private static unsafe byte[]? EmptyOrSubdirectory(int fd, byte[] buffer, Stack<byte[]> names, string root)
    {
        if (Libc.Lseek(fd, 0, Libc.SEEK_SET) < 0)
        {
            throw LinuxError.Last("lseek", Show(root, names, null));
        }
        fixed (byte* start = buffer)
        {
            while (true)
            {
                var read = Libc.Getdents64(fd, start, BufferSize);
                if (read < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR)
                {
                    continue;
                }
                if (read < 0)
                {
                    throw LinuxError.Last("getdents64", Show(root, names, null));
                }
                if (read == 0)
                {
                    return null;
                }
                for (var offset = 0; offset < read;)
                {
                    var length = BitConverter.ToUInt16(buffer, offset + Libc.DirentReclenOffset);
                    var type = buffer[offset + Libc.DirentTypeOffset];
                    var nameStart = offset + Libc.DirentNameOffset;
                    var nameEnd = Array.IndexOf(buffer, (byte)0, nameStart, length - Libc.DirentNameOffset);
                    offset += length;
                    if (IsDotOrDotDot(buffer.AsSpan(nameStart, nameEnd - nameStart)))
                    {
                        continue;
                    }
                    var name = buffer[nameStart..(nameEnd + 1)]; // with its NUL
                    if (type == Libc.DT_DIR || !TryUnlinkFile(fd, name, Show(root, names, name)))
                    {
                        return name;
                    }
                }
            }
        }
    }

    /// <summary>False when the entry turns out to be a directory (DT_UNKNOWN: unlinkat(2) says EISDIR).</summary>
    private static bool TryUnlinkFile(int fd, byte[] name, string shown)
    {
        if (Retry(() => Libc.Unlinkat(fd, name, 0)) == 0)
        {
            return true;
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno switch
        {
            Errno.ENOENT => true,
            Errno.EISDIR => false,
            _ => throw Failure("unlinkat", shown, errno),
        };
    }

    private static void Unlink(int fd, byte[] name, int flags, string shown)
    {
        if (Retry(() => Libc.Unlinkat(fd, name, flags)) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != Errno.ENOENT)
        {
            throw Failure("unlinkat", shown, errno);
        }
    }

    // unlinkat(2) gives EBUSY for a mount point; Remove gives it too before entering one.
    private static LinuxError Failure(string operation, string shown, int errno) =>
        new(errno == Errno.EBUSY ? "remove: a mount of another filesystem is in the way (unmount it first):" : operation, shown, errno);

    private static unsafe ulong MountId(int fd, string shown)
    {
        var buffer = stackalloc byte[Libc.StatxSize];
        if (Retry(() => Libc.Statx(fd, "", (int)Libc.AT_EMPTY_PATH, Libc.STATX_MNT_ID, buffer)) != 0)
        {
            throw LinuxError.Last("statx", shown);
        }
        if ((*(uint*)(buffer + Libc.StatxMaskOffset) & Libc.STATX_MNT_ID) == 0)
        {
            throw new LinuxError("statx (no mount ID: Linux 5.8+ needed)", shown, Errno.ENOSYS);
        }
        return *(ulong*)(buffer + Libc.StatxMountIdOffset);
    }

    private static int Retry(Func<int> call)
    {
        while (true)
        {
            var result = call();
            if (result >= 0 || Marshal.GetLastPInvokeError() != Errno.EINTR)
            {
                return result;
            }
        }
    }

    /// <summary>The entry's path, for messages only: the calls never use it.</summary>
    private static string Show(string root, Stack<byte[]> names, byte[]? name)
    {
        var parts = names.Reverse().Select(Text).Prepend(root);
        return string.Join('/', name is null ? parts : parts.Append(Text(name)));
    }

    private static readonly byte[] DotDot = "..\0"u8.ToArray();

    private static bool IsDotOrDotDot(ReadOnlySpan<byte> name) => name.SequenceEqual("."u8) || name.SequenceEqual(".."u8);

    private static byte[] Bytes(string path) => Encoding.UTF8.GetBytes(path + "\0");

    private static string Text(byte[] name) => Encoding.UTF8.GetString(name, 0, name.Length - 1);
}
