using System.Runtime.InteropServices;

namespace Sublet.Runtime.Oci;

/// <summary>
/// The RuntimeDefault seccomp profile: the rules of containerd's default profile
/// (contrib/seccomp/seccomp_default.go DefaultProfile): deny with EPERM by default, allow a fixed
/// list, a few personality() values, extra syscalls per capability in the bounding set, and
/// namespace-creating clone flags only with CAP_SYS_ADMIN (clone3 then fails with ENOSYS so libcs
/// fall back to clone). Syscall names unknown to the host's libseccomp are skipped by runc.
/// </summary>
public static class RuntimeDefaultProfile
{
    private const string Allowed = """
        accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32
        clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
        clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 dup3
        epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old
        eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64
        fallocate fanotify_mark fchdir fchmod fchmodat fchown fchown32 fchownat fcntl fcntl64 fdatasync
        fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64
        fsync ftruncate ftruncate64 futex futex_time64 futex_waitv futimesat getcpu getcwd getdents
        getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer
        getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32 getresuid
        getresuid32 getrlimit get_robust_list getrusage getsid getsockname getsockopt get_thread_area
        gettid gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1
        inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64
        ioprio_get ioprio_set io_setup io_submit io_uring_enter io_uring_register io_uring_setup ipc kill
        landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link
        linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise
        membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall
        mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64
        mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock
        munlockall munmap nanosleep newfstatat _newselect open openat openat2 pause pidfd_open
        pidfd_send_signal pipe pipe2 poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64
        process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink
        readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr
        rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask
        rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64
        rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam sched_get_priority_max
        sched_get_priority_min sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64
        sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select
        semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto
        setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid
        setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32
        setrlimit set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32
        setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn
        socket socketcall socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync
        sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete timer_getoverrun
        timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime
        timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate truncate64 ugetrlimit
        umask uname unlink unlinkat utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid
        waitpid write writev
        ptrace
        """;

    /// <summary>personality() domains allowed: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the query value.</summary>
    private static readonly ulong[] Personalities = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

    /// <summary>Syscalls a capability in the bounding set unlocks.</summary>
    private static readonly (string Capability, string Syscalls)[] ByCapability =
    [
        ("CAP_DAC_READ_SEARCH", "open_by_handle_at"),
        ("CAP_SYS_ADMIN", "bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount mount_setattr move_mount name_to_handle_at open_tree perf_event_open quotactl quotactl_fd setdomainname sethostname setns syslog umount umount2 unshare"),
        ("CAP_SYS_BOOT", "reboot"),
        ("CAP_SYS_CHROOT", "chroot"),
        ("CAP_SYS_MODULE", "delete_module init_module finit_module"),
        ("CAP_SYS_PACCT", "acct"),
        ("CAP_SYS_PTRACE", "kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace"),
        ("CAP_SYS_RAWIO", "iopl ioperm"),
        ("CAP_SYS_TIME", "settimeofday stime clock_settime clock_settime64"),
        ("CAP_SYS_TTY_CONFIG", "vhangup"),
        ("CAP_SYSLOG", "syslog"),
        ("CAP_BPF", "bpf"),
        ("CAP_PERFMON", "perf_event_open"),
    ];

    /// <summary>CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET.</summary>
    public const ulong NamespaceFlags = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

    private const uint Enosys = 38;

    public static Seccomp Build(IReadOnlyList<string> bounding, Architecture architecture)
    {
        var syscalls = new List<Syscall> { new() { Names = Split(Allowed), Action = "SCMP_ACT_ALLOW" } };
        syscalls.AddRange(Personalities.Select(p => new Syscall
        {
            Names = ["personality"], Action = "SCMP_ACT_ALLOW",
            Args = [new SyscallArg { Index = 0, Value = p, Op = "SCMP_CMP_EQ" }],
        }));
        var (arches, archSyscalls) = architecture switch
        {
            Architecture.X64 => (new List<string> { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" }, "arch_prctl modify_ldt"),
            Architecture.Arm64 => (["SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64"], "arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls"),
            _ => throw new PlanException($"seccomp RuntimeDefault: no default profile for {architecture}"),
        };
        syscalls.Add(new() { Names = Split(archSyscalls), Action = "SCMP_ACT_ALLOW" });
        foreach (var capability in bounding)
        {
            foreach (var (cap, names) in ByCapability.Where(b => b.Capability == capability))
            {
                syscalls.Add(new() { Names = Split(names), Action = "SCMP_ACT_ALLOW" });
            }
        }
        if (!bounding.Contains("CAP_SYS_ADMIN"))
        {
            // clone without namespace flags (arg 0 on x86_64 and arm64); clone3 can't be filtered by flags, so ENOSYS.
            syscalls.Add(new()
            {
                Names = ["clone"], Action = "SCMP_ACT_ALLOW",
                Args = [new SyscallArg { Index = 0, Value = NamespaceFlags, ValueTwo = 0, Op = "SCMP_CMP_MASKED_EQ" }],
            });
            syscalls.Add(new() { Names = ["clone3"], Action = "SCMP_ACT_ERRNO", ErrnoRet = Enosys });
        }
        return new Seccomp { DefaultAction = "SCMP_ACT_ERRNO", Architectures = arches, Syscalls = syscalls };
    }

    private static List<string> Split(string names) =>
        [.. names.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)];
}
