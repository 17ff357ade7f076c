using System.Runtime.InteropServices;

namespace Sublet.Linux.Interop;

internal static partial class Libc
{
    /// <summary>ioctl_tty(2) requests (asm-generic/ioctls.h, x86-64 and arm64 alike).</summary>
    internal const ulong TIOCSWINSZ = 0x5414;
    internal const ulong TIOCGPTN = 0x80045430;
    internal const ulong TIOCSPTLCK = 0x40045431;

    /// <summary>netdevice(7) requests on struct ifreq (linux/sockios.h).</summary>
    internal const ulong SIOCGIFFLAGS = 0x8913;
    internal const ulong SIOCSIFFLAGS = 0x8914;
    internal const short IFF_UP = 0x1;

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, ulong request, ref int value);

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, ulong request, ref IfReqFlags request2);

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, ulong request, ref WinSize size);

    /// <summary>struct winsize (ioctl_tty(2)).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct WinSize
    {
        public ushort Rows;
        public ushort Columns;
        public ushort XPixels;
        public ushort YPixels;
    }

    /// <summary>struct ifreq with ifr_flags (netdevice(7)): a 16-byte name, then the 24-byte union.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 40)]
    internal unsafe struct IfReqFlags
    {
        public fixed byte Name[16];
        public short Flags;
    }
}
