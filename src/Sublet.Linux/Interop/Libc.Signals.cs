using System.Runtime.InteropServices;

namespace Sublet.Linux.Interop;

internal static partial class Libc
{
    internal const int SIG_SETMASK = 2;

    /// <summary>glibc's sigset_t is 1024 bits.</summary>
    internal const int SigsetBytes = 128;

    [LibraryImport(Name, EntryPoint = "pthread_sigmask")]
    internal static unsafe partial int PthreadSigmask(int how, byte* set, byte* oldSet);
}
