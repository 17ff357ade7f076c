namespace Sublet.Runtime.Selftest;

/// <summary>
/// The environment variables a probe's script reads: the victims selftest started for this side
/// of the table, the host's root disk and syscall numbers for perl's syscall().
/// </summary>
public static class ProbeEnv
{
    public const string HostVictim = "SELFTEST_HOST_VICTIM";
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
