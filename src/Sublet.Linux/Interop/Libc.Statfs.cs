using System.Runtime.InteropServices;

namespace Sublet.Linux.Interop;

internal static partial class Libc
{
    /// <summary>struct statfs on x86_64 (statfs(2), bits/statfs.h): every field is 8 bytes except f_fsid (2 × int).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct StatfsBuffer
    {
        public long Type;
        public long BlockSize;
        public ulong Blocks;
        public ulong BlocksFree;
        public ulong BlocksAvailable;
        public ulong Files;
        public ulong FilesFree;
        public ulong FsId;
        public long NameLength;
        public long FragmentSize;
        public long Flags;
        public long Spare0;
        public long Spare1;
        public long Spare2;
        public long Spare3;
    }

    // statx(2): the mask bit asking for stx_mnt_id (Linux 5.8+).
    internal const uint STATX_MNT_ID = 0x1000;

    /// <summary>struct statx is 256 bytes (linux/stat.h); the offsets Sublet reads.</summary>
    internal const int StatxSize = 256;
    internal const int StatxMaskOffset = 0;
    internal const int StatxDevMajorOffset = 136;
    internal const int StatxDevMinorOffset = 140;
    internal const int StatxMountIdOffset = 144;

    [LibraryImport(Name, EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Statfs(string path, out StatfsBuffer buffer);

    [LibraryImport(Name, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
