namespace Sublet.Runtime.Selftest;

public static partial class SelftestProbes
{
    /// <summary>
    /// Capabilities count only inside (user_namespaces(7)): the pod's root holds them for what its
    /// user namespace owns, never for the host's devices, kernel, clock, UTS names or limits. Tried
    /// by a privileged container where the attack happens inside it, by the escaped process where
    /// only the host's namespaces hold the target. Every attempt that works is harmless by
    /// construction: the host's disk is mounted in the probe container's own mount namespace and
    /// only listed, the module is not an ELF file, the clock, hostname, domainname and loopback MTU
    /// are set to what they were, /dev/kmsg is opened and nothing written.
    /// </summary>
    private static Probe[] Capabilities() =>
    [
        // mknod(2) of a device needs CAP_MKNOD in the initial user namespace; block filesystems
        // like ext4 are not FS_USERNS_MOUNT, so a user-namespaced root can't mount one either.
        new("mount-host-block-device", "mknod the host's root disk and mount it in a privileged container (then list and unmount it)",
            $"d=/tmp/disk; mknod $d b \"${ProbeEnv.DiskMajor}\" \"${ProbeEnv.DiskMinor}\" || d=\"/dev/${ProbeEnv.DiskName}\"; " +
            $"mkdir -p /tmp/m && mount -t \"${ProbeEnv.DiskFsType}\" \"$d\" /tmp/m && ls /tmp/m > /dev/null && umount /tmp/m",
            ProbeMount.None, Expect.Blocked, Privileged: true),
        // init_module(2): CAP_SYS_MODULE in the initial user namespace, checked before the image is parsed.
        new("load-kernel-module", "init_module a file that is no module from a privileged container (worked = the kernel got past the capability check)",
            "printf 'not a kernel module' > /tmp/selftest.ko && insmod /tmp/selftest.ko", ProbeMount.None, Expect.Blocked, Privileged: true,
            Outcome: Outcome.PastCapabilityCheck),
        // clock_settime(2) CLOCK_REALTIME: CAP_SYS_TIME in the initial user namespace; time
        // namespaces offset only the monotonic and boot clocks.
        new("set-host-time", "clock_settime(CLOCK_REALTIME) to the time just read (microseconds back), from the escaped process",
            $"perl -e '$t = \"\\0\" x 16; syscall($ENV{{{ProbeEnv.NrClockGettime}}} + 0, 0, $t) == 0 or die \"clock_gettime: $!\\n\"; " +
            $"syscall($ENV{{{ProbeEnv.NrClockSettime}}} + 0, 0, $t) == 0 or die \"clock_settime: $!\\n\"'",
            ProbeMount.None, Expect.Blocked, By: Attacker.Escaped),
        // sethostname(2): CAP_SYS_ADMIN in the user namespace owning the caller's UTS namespace:
        // the escaped process is in the host's. Inside its own UTS namespace a pod may set its name.
        new("set-host-hostname", "sethostname in the host's UTS namespace to the name it has, from the escaped process",
            "n=$(uname -n) && hostname \"$n\"", ProbeMount.None, Expect.Blocked, By: Attacker.Escaped),
        // proc(5) /proc/sys: writable by global root only; kernel.domainname is the caller's UTS namespace's.
        new("write-proc-sys-kernel", "write /proc/sys/kernel/domainname back with its value in the host's UTS namespace, from the escaped process",
            "v=$(cat /proc/sys/kernel/domainname) && echo \"$v\" > /proc/sys/kernel/domainname", ProbeMount.None, Expect.Blocked, By: Attacker.Escaped),
        // netdevice(7) SIOCSIFMTU needs CAP_NET_ADMIN over the network namespace's owner: the
        // host's, for the escaped process. The loopback's MTU is set to what it is. (Not "link set
        // lo up": busybox ip skips the ioctl when the flags are already so, and exits 0 unchecked.)
        new("configure-host-network", "set the MTU of the host's loopback to what it is, from the escaped process (busybox ip)",
            "m=$(cat /sys/class/net/lo/mtu) && busybox ip link set lo mtu \"$m\"", ProbeMount.None, Expect.Blocked, By: Attacker.Escaped),
        new("open-dev-kmsg", "open the host's /dev/kmsg (0644 root) for writing, writing nothing, from the escaped process",
            ": >> /dev/kmsg", ProbeMount.None, Expect.Blocked, By: Attacker.Escaped),
        // setrlimit(2): raising a hard limit needs CAP_SYS_RESOURCE in the initial user namespace.
        new("raise-hard-rlimit", "lower RLIMIT_NOFILE by one, then raise the hard limit back to the host's, in a privileged container",
            "h=$(ulimit -H -n) && ulimit -n $((h - 1)) && ulimit -H -n \"$h\"", ProbeMount.None, Expect.Blocked, Privileged: true),
    ];
}
