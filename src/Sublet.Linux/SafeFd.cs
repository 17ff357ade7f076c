using Microsoft.Win32.SafeHandles;
using Sublet.Linux.Interop;

namespace Sublet.Linux;

/// <summary>An owned file descriptor; -1 is the only invalid value (Tmds.DBus / dotnet runtime pattern).</summary>
public sealed class SafeFd : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeFd() : base(ownsHandle: true) { }

    internal SafeFd(int fd) : base(ownsHandle: true) => SetHandle(fd);

    internal int Fd => (int)handle;

    /// <summary>Opens a path read-only with O_CLOEXEC (e.g. /proc/PID/ns/user for MOUNT_ATTR_IDMAP).</summary>
    public static SafeFd OpenReadOnly(string path)
    {
        var fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw LinuxError.Last("open", path);
        }
        return new SafeFd(fd);
    }

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
