using System.Runtime.InteropServices;

namespace Sublet.Linux.Interop;

internal static partial class Libc
{
    internal const int O_WRONLY = 1;
    internal const int O_CREAT = 0x40;
    internal const int O_APPEND = 0x400;

    /// <summary>&lt;spawn.h&gt; (glibc): reset the dispositions in the set to SIG_DFL; set the signal mask.</summary>
    internal const short POSIX_SPAWN_SETSIGDEF = 0x04;
    internal const short POSIX_SPAWN_SETSIGMASK = 0x08;

    /// <summary>
    /// glibc's posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336 on 64-bit Linux
    /// (bits/types/struct_posix_spawn*.h); the functions below initialise and read them, so a larger
    /// buffer only leaves bytes unused.
    /// </summary>
    internal const int SpawnFileActionsBytes = 128;
    internal const int SpawnAttrBytes = 512;

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_init")]
    internal static unsafe partial int PosixSpawnFileActionsInit(byte* actions);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_destroy")]
    internal static unsafe partial int PosixSpawnFileActionsDestroy(byte* actions);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_addopen", StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int PosixSpawnFileActionsAddOpen(byte* actions, int fd, string path, int flags, uint mode);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_adddup2")]
    internal static unsafe partial int PosixSpawnFileActionsAddDup2(byte* actions, int fd, int newFd);

    /// <summary>glibc 2.29.</summary>
    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_addchdir_np", StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int PosixSpawnFileActionsAddChdir(byte* actions, string path);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_init")]
    internal static unsafe partial int PosixSpawnattrInit(byte* attr);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_destroy")]
    internal static unsafe partial int PosixSpawnattrDestroy(byte* attr);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_setflags")]
    internal static unsafe partial int PosixSpawnattrSetflags(byte* attr, short flags);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_setsigdefault")]
    internal static unsafe partial int PosixSpawnattrSetsigdefault(byte* attr, byte* set);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_setsigmask")]
    internal static unsafe partial int PosixSpawnattrSetsigmask(byte* attr, byte* set);

    [LibraryImport(Name, EntryPoint = "sigfillset")]
    internal static unsafe partial int Sigfillset(byte* set);

    [LibraryImport(Name, EntryPoint = "sigemptyset")]
    internal static unsafe partial int Sigemptyset(byte* set);

    /// <summary>posix_spawnp(3): searches PATH for <paramref name="file"/>; returns an errno value, not -1. <paramref name="argv"/> and <paramref name="envp"/> end with null, as for <see cref="Execv"/>.</summary>
    [LibraryImport(Name, EntryPoint = "posix_spawnp", StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int PosixSpawnp(int* pid, string file, byte* actions, byte* attr, string?[] argv, string?[] envp);

    [LibraryImport(Name, EntryPoint = "waitpid", SetLastError = true)]
    internal static unsafe partial int Waitpid(int pid, int* status, int options);
}
