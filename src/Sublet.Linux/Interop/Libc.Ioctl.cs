using System.Runtime.InteropServices;

namespace Sublet.Linux.Interop;

internal static partial class Libc
{
    /// <summary>ioctl_tty(2) requests (asm-generic/ioctls.h, x86-64 and arm64 alike).</summary>
    internal const ulong TIOCSWINSZ = 0x5414;
    internal const ulong TIOCGPTN = 0x80045430;
    internal const ulong TIOCSPTLCK = 0x40045431;

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, ulong request, ref int value);

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
}
