namespace Sublet.Runtime.Selftest;

/// <summary>
/// The environment variables a probe's script reads: the victims selftest started for this side
/// of the table, the host's root disk and syscall numbers for perl's syscall().
/// </summary>
public static class ProbeEnv
{
    public const string HostVictim = "SELFTEST_HOST_VICTIM";

    /// <summary>A root-owned 0644 file selftest made on the host, in a 0755 directory: only the file's own mode stands in the way.</summary>
    public const string HostFile = "SELFTEST_HOST_FILE";
    public const string PodVictim = "SELFTEST_POD_VICTIM";
    public const string VictimRootfs = "SELFTEST_VICTIM_ROOTFS";
    public const string VictimLayer = "SELFTEST_VICTIM_LAYER";
    public const string VictimLog = "SELFTEST_VICTIM_LOG";
    public const string NrPtrace = "SELFTEST_NR_PTRACE";
    public const string NrClockGettime = "SELFTEST_NR_CLOCK_GETTIME";
    public const string NrClockSettime = "SELFTEST_NR_CLOCK_SETTIME";
    public const string DiskMajor = "SELFTEST_DISK_MAJOR";
    public const string DiskMinor = "SELFTEST_DISK_MINOR";
    public const string DiskName = "SELFTEST_DISK_NAME";
    public const string DiskFsType = "SELFTEST_DISK_FSTYPE";

    /// <summary>How a probe container runs unshare(1): the host's util-linux, or the image's own (busybox's has no -C).</summary>
    public const string Unshare = "SELFTEST_UNSHARE";

    /// <summary>Where a probe container sees the host's unshare, its dynamic loader and libc (read-only binds).</summary>
    public const string HostTools = "/selftest-host";

    /// <summary>
    /// The host's util-linux unshare with the dynamic loader and libc it needs (ldd: nothing else),
    /// so an image without it (busybox's unshare lacks -C, the cgroup namespace) runs the host's
    /// through the loader; null where any of the three is missing.
    /// </summary>
    public static (string Unshare, string Loader, string Libc)? HostUnshare(System.Runtime.InteropServices.Architecture arch, Func<string, bool> exists)
    {
        (string, string, string) files = arch == System.Runtime.InteropServices.Architecture.Arm64
            ? ("/usr/bin/unshare", "/lib/ld-linux-aarch64.so.1", "/lib/aarch64-linux-gnu/libc.so.6")
            : ("/usr/bin/unshare", "/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/libc.so.6");
        return exists(files.Item1) && exists(files.Item2) && exists(files.Item3) ? files : null;
    }

    /// <summary>The command a probe script puts before unshare's options.</summary>
    public static string UnshareCommand(bool hostUnshare) =>
        hostUnshare ? $"{HostTools}/ld.so --library-path {HostTools} {HostTools}/unshare" : "unshare";

    /// <summary>ptrace, clock_gettime and clock_settime (asm/unistd_64.h; arm64 uses the generic table).</summary>
    public static IReadOnlyDictionary<string, string> Syscalls(System.Runtime.InteropServices.Architecture arch) => arch switch
    {
        System.Runtime.InteropServices.Architecture.Arm64 => new Dictionary<string, string> { [NrPtrace] = "117", [NrClockGettime] = "113", [NrClockSettime] = "112" },
        _ => new Dictionary<string, string> { [NrPtrace] = "101", [NrClockGettime] = "228", [NrClockSettime] = "227" },
    };

    /// <summary>
    /// The block device holding the host's root filesystem, from a mountinfo(5) text: major,
    /// minor, device name and filesystem type; null when / is not on a block device (major 0).
    /// The last mount at / is the one in use (mounts stack).
    /// </summary>
    public static IReadOnlyDictionary<string, string>? RootDisk(string mountinfo)
    {
        foreach (var line in mountinfo.Split('\n').Reverse())
        {
            // 36 35 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
            var halves = line.Split(" - ", 2);
            var fields = halves[0].Split(' ');
            if (halves.Length < 2 || fields.Length < 5 || fields[4] != "/" || fields[3] != "/")
            {
                continue;
            }
            var dev = fields[2].Split(':');
            var tail = halves[1].Split(' ');
            if (dev.Length != 2 || dev[0] == "0" || tail.Length < 2)
            {
                return null;
            }
            return new Dictionary<string, string>
            {
                [DiskMajor] = dev[0], [DiskMinor] = dev[1], [DiskFsType] = tail[0],
                [DiskName] = tail[1].StartsWith("/dev/", StringComparison.Ordinal) ? tail[1]["/dev/".Length..] : "",
            };
        }
        return null;
    }
}
