using System.Runtime.InteropServices;

namespace Sublet.Linux;

/// <summary>
/// A failed system call, carrying the operation, the path it acted on and errno, so a caller can
/// tell the user which file and which kernel feature was involved.
/// </summary>
public sealed class LinuxError : IOException
{
    public LinuxError(string operation, string? path, int errno)
        : base(Describe(operation, path, errno))
    {
        Operation = operation;
        Path = path;
        Errno = errno;
    }

    public string Operation { get; }
    public string? Path { get; }
    public int Errno { get; }

    /// <summary>Throws for the errno of the last P/Invoke (the call must use SetLastError = true).</summary>
    public static LinuxError Last(string operation, string? path = null) =>
        new(operation, path, Marshal.GetLastPInvokeError());

    private static string Describe(string operation, string? path, int errno)
    {
        var text = Marshal.GetPInvokeErrorMessage(errno);
        return path is null ? $"{operation}: {text} (errno {errno})" : $"{operation} {path}: {text} (errno {errno})";
    }
}

/// <summary>errno values used in decisions (asm-generic/errno-base.h, errno.h).</summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int ENXIO = 6;
    public const int EBADF = 9;
    public const int ECHILD = 10;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int ENOSPC = 28;
    public const int ERANGE = 34;
    public const int ENOSYS = 38;
    public const int ELOOP = 40;
    public const int ENODATA = 61;
    public const int EOVERFLOW = 75;
    public const int EOPNOTSUPP = 95;
}
