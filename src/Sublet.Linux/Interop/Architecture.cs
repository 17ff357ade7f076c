using System.Runtime.InteropServices;

namespace Sublet.Linux.Interop;

/// <summary>
/// The syscall numbers and open(2)/mount flag values in <see cref="Libc"/> are x86-64's. Some differ
/// elsewhere (on arm64, 0x20000 is O_LARGEFILE and O_NOFOLLOW is 0x8000, asm-generic/fcntl.h vs
/// arch/arm64), so running there would silently drop O_NOFOLLOW: refuse instead.
/// </summary>
public static class Architecture
{
    public static string? Unsupported() =>
        RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64 ? null
            : $"sublet supports x86-64 Linux only (this is {RuntimeInformation.ProcessArchitecture}): its syscall numbers and flags are x86-64's";
}
