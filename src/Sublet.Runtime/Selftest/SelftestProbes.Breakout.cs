namespace Sublet.Runtime.Selftest;

public static partial class SelftestProbes
{
    /// <summary>
    /// The simulated breakout (issue 24): what a process that left the pod's filesystem and PID
    /// namespace, keeping the pod's user namespace and every capability in it, can do to the host's
    /// processes and to a second probe pod. The victims are processes selftest started itself: a
    /// root <c>sleep</c> on the host and a container in the second pod, which wrote a 0600 file
    /// into its writable layer and a line into its log. Nothing read is printed.
    /// </summary>
    private static Probe[] Breakout() =>
    [
        // The escaped process against the host's own files: a root-owned 0644 file selftest made in
        // a 0755 directory, and /etc/shadow. CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH held in the
        // pod's user namespace count only for inodes whose owner is mapped there
        // (capable_wrt_inode_uidgid, capabilities(7)).
        Escaped("escaped-write-host-root-file", "append to a root-owned host file (0644, made by selftest) from the escaped process",
            $"echo pwned >> \"${ProbeEnv.HostFile}\""),
        Escaped("escaped-read-host-shadow", "read the host's /etc/shadow from the escaped process", "cat /etc/shadow > /dev/null"),
        // kill(2): permitted when the sender's real or effective UID matches the target's real or
        // saved UID, or with CAP_KILL in the target's user namespace. Permission does not depend on
        // the signal (but SIGCONT within a session), so a harmless SIGWINCH, which sleep ignores, proves as much as SIGKILL.
        Escaped("signal-host-process", "send a signal (SIGWINCH, ignored) to a root process selftest started on the host",
            $"kill -s WINCH \"${ProbeEnv.HostVictim}\""),
        Escaped("signal-other-pod", "send a signal (SIGWINCH, ignored) to a process of a second probe pod",
            $"kill -s WINCH \"${ProbeEnv.PodVictim}\""),
        // ptrace(2) PTRACE_SEIZE: the attach check (PTRACE_MODE_ATTACH_REALCREDS) without stopping
        // the victim; the tracer's exit detaches it. perl-base is Essential on Debian; syscall() takes the number.
        Escaped("ptrace-host-process", "ptrace (PTRACE_SEIZE, detached at once) a root process selftest started on the host", Seize(ProbeEnv.HostVictim)),
        Escaped("ptrace-other-pod", "ptrace (PTRACE_SEIZE, detached at once) a process of a second probe pod", Seize(ProbeEnv.PodVictim)),
        // proc(5): /proc/PID/environ needs PTRACE_MODE_READ_FSCREDS over the process.
        Escaped("read-other-pod-environ", "read /proc/PID/environ of a second probe pod's process",
            $"cat \"/proc/${ProbeEnv.PodVictim}/environ\" > /dev/null"),
        Escaped("read-other-pod-rootfs", "read a 0600 file in a second probe pod's rootfs overlay (Sublet's run directory)",
            $"cat \"${ProbeEnv.VictimRootfs}/{VictimSecret}\" > /dev/null"),
        Escaped("read-other-pod-layer", "read the same file in the second pod's writable layer (Sublet's state directory)",
            $"cat \"${ProbeEnv.VictimLayer}/{VictimSecret}\" > /dev/null"),
        // proc(5): /proc/PID/root and opening /proc/PID/ns/* need ptrace access to the process;
        // setns(2) into a mount namespace needs CAP_SYS_ADMIN in the user namespace owning it.
        Escaped("enter-other-pod-root", "read the second pod's 0600 file through /proc/PID/root of its process",
            $"cat \"/proc/${ProbeEnv.PodVictim}/root/{VictimSecret}\" > /dev/null"),
        Escaped("join-other-pod-namespaces", "join the second pod's mount and IPC namespaces (nsenter), then run its true",
            $"nsenter --target \"${ProbeEnv.PodVictim}\" --mount --ipc -- true"),
        Escaped("read-other-pod-log", "read the second probe pod's container log",
            $"cat \"${ProbeEnv.VictimLog}\" > /dev/null"),
    ];

    /// <summary>The file the victim pod's container writes at its root, 0600.</summary>
    public const string VictimSecret = "selftest-secret";

    /// <summary>
    /// The pod's root copies the host's <c>id</c> (bound read-only, dynamically linked: it runs on
    /// the host) into its rootfs and an emptyDir and makes the copies set-user-ID and set-group-ID.
    /// A host user (nobody) then runs the copy by its host path, given to setpriv, which resolves
    /// it as root: as if every directory on the way let the user in. Whether it ran set-ID is the
    /// probe; the notes say whether nosuid or the owner stopped it.
    /// </summary>
    private static Probe[] PlantedSetId() =>
    [
        Planting("host-runs-planted-setid-layer", "a set-ID file the pod's root planted in its rootfs, run by a host user from the writable layer (state directory)",
            $"cp {HostId} /{PlantedFile} && chmod 6755 /{PlantedFile}", Planted.Layer),
        Planting("host-runs-planted-setid-rootfs", "the same file run by a host user through the container's rootfs overlay (run directory)",
            $"cp {HostId} /{PlantedFile} && chmod 6755 /{PlantedFile}", Planted.Rootfs),
        Planting("host-runs-planted-setid-emptydir", "a set-ID file the pod's root planted in a disk emptyDir, run by a host user from the host's directory",
            $"cp {HostId} {EmptyDir}/{PlantedFile} && chmod 6755 {EmptyDir}/{PlantedFile}", Planted.EmptyDir),
    ];

    /// <summary>Where the probe pod sees the host's <c>id</c> and its emptyDir; the planted file's name.</summary>
    public const string HostId = "/host-id";
    public const string EmptyDir = "/selftest-emptydir";
    public const string PlantedFile = "selftest-planted";

    private static Probe Escaped(string name, string what, string script) =>
        new(name, what, script, ProbeMount.None, Expect.Blocked, By: Attacker.Escaped);

    private static Probe Planting(string name, string what, string script, Planted place) =>
        new(name, what, script, ProbeMount.HostId, Expect.Blocked, By: Attacker.HostRunsPlanted, PlantedIn: place, Outcome: Outcome.GotHostRoot);

    private static string Seize(string victim) =>
        $"perl -e 'syscall($ENV{{{ProbeEnv.NrPtrace}}} + 0, 0x4206, $ARGV[0] + 0, 0, 0) == 0 or die \"ptrace(PTRACE_SEIZE): $!\\n\"' \"${victim}\"";
}
