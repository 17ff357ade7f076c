using System.Runtime.InteropServices;
using Sublet.Linux.Interop;

namespace Sublet.Linux.Files;

/// <summary>
/// <see cref="IRootedFiles"/> with openat2(2). The path is opened O_PATH with RESOLVE_IN_ROOT:
/// "..", absolute symlinks and the symlink at the last component all resolve inside the root, as
/// runc and containerd resolve /etc/passwd in a rootfs (filepath-securejoin; containerd
/// openUserFile after issue 12683, where refusing absolute links broke Nix images whose
/// /etc/passwd points into /nix/store). RESOLVE_NO_MAGICLINKS refuses /proc-style links,
/// RESOLVE_NO_XDEV any mount inside the root. An O_PATH open runs no driver code and never blocks,
/// so a FIFO or a device node costs nothing: fstat says what it is, and only a regular file is
/// opened for reading, by reopening that very descriptor through /proc/self/fd (runc's reopen),
/// never by path again. The read stops after maxBytes + 1 bytes, whatever the file's size (a
/// sparse file may claim any size; reading is what costs).
/// </summary>
public sealed class LinuxRootedFiles(string procSelfFd = "/proc/self/fd") : IRootedFiles
{
    public RootedFile Read(string root, string path, int maxBytes)
    {
        var rootFd = Libc.Open(root, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (rootFd < 0)
        {
            throw LinuxError.Last("open", root);
        }
        using var rootHandle = new SafeFd(rootFd);
        using var file = OpenInRoot(rootHandle, root, path);
        if (file is null)
        {
            return new RootedFile(PathKind.Missing, null);
        }
        var kind = FileStatus.Of(file, Path.Join(root, path)).Kind;
        return kind == PathKind.Regular ? ReadReopened(file, Path.Join(root, path), maxBytes) : new RootedFile(kind, null);
    }

    private static unsafe SafeFd? OpenInRoot(SafeFd root, string rootPath, string path)
    {
        var how = new Libc.OpenHow
        {
            Flags = (ulong)(Libc.O_PATH | Libc.O_CLOEXEC),
            Resolve = Libc.RESOLVE_IN_ROOT | Libc.RESOLVE_NO_MAGICLINKS | Libc.RESOLVE_NO_XDEV,
        };
        for (var attempt = 0; ; attempt++)
        {
            var fd = Libc.SyscallOpenat2(Libc.SYS_openat2, root.Fd, path, &how, (nuint)sizeof(Libc.OpenHow));
            if (fd >= 0)
            {
                return new SafeFd(fd);
            }
            var errno = Marshal.GetLastPInvokeError();
            switch (errno)
            {
                case Errno.ENOENT or Errno.ENOTDIR:
                    return null; // nothing there, or a component that is not a directory
                case Errno.EAGAIN or Errno.EINTR when attempt < 100:
                    continue; // a concurrent rename somewhere (openat2(2) RESOLVE_IN_ROOT)
                default:
                    throw new LinuxError("openat2 (in root)", Path.Join(rootPath, path), errno);
            }
        }
    }

    private RootedFile ReadReopened(SafeFd file, string path, int maxBytes)
    {
        var reopened = $"{procSelfFd}/{file.Fd}";
        using var handle = FileSyscalls.Open(reopened, Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_NOCTTY | Libc.O_NONBLOCK, 0);
        if (handle.IsInvalid)
        {
            throw LinuxError.Last("open", $"{path} (through {reopened})");
        }
        // Sized by fstat's answer, then grown: the size is only a hint (the file may change while
        // it is read), and a buffer of maxBytes + 1 for each /etc/passwd and /etc/group was two
        // zeroed MiB on every container start, enough to set off a collection (issue 23).
        var limit = maxBytes + 1;
        var buffer = new byte[(int)Math.Min(Math.Max(RandomAccess.GetLength(handle) + 1, 4096), limit)];
        var total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (total == limit)
                {
                    break;
                }
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, limit));
            }
            var n = RandomAccess.Read(handle, buffer.AsSpan(total), total);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return new RootedFile(PathKind.Regular, total > maxBytes ? null : buffer[..total]);
    }
}
