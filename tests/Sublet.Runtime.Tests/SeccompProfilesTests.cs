using System.Runtime.InteropServices;
using Sublet.Runtime.Oci;
using Sublet.Kubelet.Plan;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Runtime.Tests;

public sealed class SeccompProfilesTests
{
    private static readonly string[] DefaultCaps = ["CAP_CHOWN", "CAP_SYS_CHROOT", "CAP_KILL"];

    private static Seccomp Default(params string[] caps) => RuntimeDefaultProfile.Build(caps, Architecture.X64);

    private static bool Allows(Seccomp profile, string name) =>
        profile.Syscalls!.Any(s => s.Action == "SCMP_ACT_ALLOW" && s.Names.Contains(name) && s.Args is null or { Count: 0 });

    [Theory]
    [InlineData("read", true)]
    [InlineData("openat", true)]
    [InlineData("arch_prctl", true)]
    [InlineData("ptrace", true)]          // allowed since kernel 4.8 (containerd adds it on such kernels)
    [InlineData("chroot", true)]          // CAP_SYS_CHROOT is in the bounding set
    [InlineData("unshare", false)]        // only with CAP_SYS_ADMIN
    [InlineData("mount", false)]
    [InlineData("setns", false)]
    [InlineData("keyctl", false)]
    [InlineData("add_key", false)]
    [InlineData("kexec_load", false)]
    [InlineData("open_by_handle_at", false)]
    [InlineData("reboot", false)]
    [InlineData("clone", false)]          // only without namespace flags
    public void RuntimeDefault_allows_as_containerd_for_the_default_capabilities(string syscall, bool allowed)
    {
        Assert.Equal(allowed, Allows(Default(DefaultCaps), syscall));
    }

    [Fact]
    public void RuntimeDefault_denies_with_EPERM_and_names_x86_architectures()
    {
        var profile = Default(DefaultCaps);
        Assert.Equal("SCMP_ACT_ERRNO", profile.DefaultAction);
        Assert.Null(profile.DefaultErrnoRet);
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], profile.Architectures!);
    }

    [Fact]
    public void Without_CAP_SYS_ADMIN_clone_is_limited_to_no_namespace_flags_and_clone3_is_ENOSYS()
    {
        var profile = Default(DefaultCaps);
        var clone = Assert.Single(profile.Syscalls!, s => s.Names.SequenceEqual(["clone"]));
        var arg = Assert.Single(clone.Args!);
        Assert.Equal(("SCMP_CMP_MASKED_EQ", 0u, 0x7E020000UL, 0UL), (arg.Op, arg.Index, arg.Value, arg.ValueTwo));
        var clone3 = Assert.Single(profile.Syscalls!, s => s.Names.SequenceEqual(["clone3"]));
        Assert.Equal(("SCMP_ACT_ERRNO", 38u), (clone3.Action, clone3.ErrnoRet!.Value));
    }

    [Fact]
    public void CAP_SYS_ADMIN_unlocks_namespaces_and_mounts()
    {
        var profile = Default([.. DefaultCaps, "CAP_SYS_ADMIN"]);
        Assert.True(Allows(profile, "unshare"));
        Assert.True(Allows(profile, "mount"));
        Assert.True(Allows(profile, "clone"));
        Assert.DoesNotContain(profile.Syscalls!, s => s.Action == "SCMP_ACT_ERRNO");
    }

    [Theory]
    [InlineData("CAP_SYS_PTRACE", "process_vm_readv")]
    [InlineData("CAP_SYS_TIME", "settimeofday")]
    [InlineData("CAP_DAC_READ_SEARCH", "open_by_handle_at")]
    [InlineData("CAP_SYSLOG", "syslog")]
    [InlineData("CAP_BPF", "bpf")]
    public void Capabilities_unlock_their_syscalls(string capability, string syscall)
    {
        Assert.False(Allows(Default(DefaultCaps), syscall));
        Assert.True(Allows(Default([.. DefaultCaps, capability]), syscall));
    }

    [Fact]
    public void Personality_is_allowed_for_listed_values_only()
    {
        var values = Default(DefaultCaps).Syscalls!.Where(s => s.Names.SequenceEqual(["personality"])).Select(s => s.Args!.Single().Value);
        Assert.Equal([0x0UL, 0x8, 0x20000, 0x20008, 0xffffffff], values);
    }

    [Fact]
    public void Unconfined_and_privileged_have_no_filter()
    {
        Assert.Null(SeccompProfiles.For(new ProcessSecurity(), DefaultCaps));
        Assert.Null(SeccompProfiles.For(new ProcessSecurity { Privileged = true, Seccomp = SeccompProfile.RuntimeDefault }, DefaultCaps));
        Assert.NotNull(SeccompProfiles.For(new ProcessSecurity { Seccomp = SeccompProfile.RuntimeDefault }, DefaultCaps));
    }

    [Fact]
    public void Localhost_profile_is_read_as_oci_seccomp_json_in_any_case()
    {
        const string file = """{"defaultAction":"SCMP_ACT_ALLOW","Syscalls":[{"names":["keyctl"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}""";
        var security = new ProcessSecurity { Seccomp = new SeccompProfile(SeccompProfileType.Localhost, "/var/lib/sublet/seccomp/p.json") };
        var profile = SeccompProfiles.For(security, DefaultCaps, path => path == "/var/lib/sublet/seccomp/p.json" ? file : throw new FileNotFoundException())!;
        Assert.Equal("SCMP_ACT_ALLOW", profile.DefaultAction);
        Assert.Equal("keyctl", Assert.Single(profile.Syscalls!).Names.Single());
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("null")]
    public void Localhost_profile_that_cannot_be_read_is_a_plan_error(string text)
    {
        var security = new ProcessSecurity { Seccomp = new SeccompProfile(SeccompProfileType.Localhost, "/p.json") };
        Assert.Contains("/p.json", Assert.Throws<PlanException>(() => SeccompProfiles.For(security, DefaultCaps, _ => text)).Message);
        Assert.Contains("/p.json", Assert.Throws<PlanException>(() => SeccompProfiles.For(security, DefaultCaps, _ => throw new FileNotFoundException("gone"))).Message);
    }
}
