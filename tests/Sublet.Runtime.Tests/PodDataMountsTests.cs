using Sublet.Linux.Mounts;
using Sublet.Runtime.Config;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;
using Sublet.Runtime.Sandboxes;
using Sublet.Kubelet.Volumes;

namespace Sublet.Runtime.Tests;

/// <summary>Issue 19: how pod data is mounted on the host side and staged for the pod.</summary>
public sealed class PodDataMountsTests : IDisposable
{
    private readonly TestDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly VolumePlan HostPath = new() { Name = "h", HostPath = "/srv/h" };
    private static readonly VolumePlan Memory = new() { Name = "m", EmptyDir = true, InMemory = true };
    private static readonly VolumePlan Disk = new() { Name = "d", EmptyDir = true };
    private static readonly VolumePlan Secret = new() { Name = "s", Projection = new ProjectionPlan { Kind = "secret", Sources = [] } };
    private static readonly VolumePlan ConfigMap = new() { Name = "c", Projection = new ProjectionPlan { Kind = "configMap", Sources = [] } };

    public static TheoryData<VolumePlan, bool, string, Staging> Stagings => new()
    {
        // Host users: runc (host root) binds the volume where it is.
        { Memory, false, UserNamespacesConfig.HostIds, new Staging(StagingKind.None) },
        { HostPath, false, UserNamespacesConfig.PodIds, new Staging(StagingKind.None) },
        // emptyDirs honour set-ID bits in the pod (as the kubelet's), as the pod's own host IDs.
        { Memory, true, UserNamespacesConfig.HostIds, new Staging(StagingKind.Idmapped, SetIdBits.Honoured) },
        { Disk, true, UserNamespacesConfig.PodIds, new Staging(StagingKind.Idmapped, SetIdBits.Honoured) },
        // Projections are read-only and never set-ID.
        { Secret, true, UserNamespacesConfig.HostIds, new Staging(StagingKind.Idmapped, SetIdBits.Ignored, ReadOnly: true) },
        { ConfigMap, true, UserNamespacesConfig.HostIds, new Staging(StagingKind.Idmapped, SetIdBits.Ignored, ReadOnly: true) },
        // hostPath: idmapped to host IDs (upstream) or not at all; the host's nosuid stays either way.
        { HostPath, true, UserNamespacesConfig.HostIds, new Staging(StagingKind.Idmapped, SetIdBits.AsSource) },
        { HostPath, true, UserNamespacesConfig.PodIds, new Staging(StagingKind.Plain, SetIdBits.AsSource) },
    };

    [Theory]
    [MemberData(nameof(Stagings))]
    public void Each_volume_is_staged_for_a_user_namespace_as_its_kind_needs(VolumePlan volume, bool userNamespace, string hostPathIdmap, Staging expected) =>
        Assert.Equal(expected, VolumeStaging.For(volume, userNamespace, hostPathIdmap));

    [Theory]
    [InlineData(MountFlags.None, "rbind rprivate nodev rw")]
    [InlineData(MountFlags.NoDev, "rbind rprivate nodev rw")]
    [InlineData(MountFlags.NoSuid | MountFlags.NoDev, "rbind rprivate nodev nosuid rw")]
    [InlineData(MountFlags.NoSuid | MountFlags.NoExec | MountFlags.ReadOnly, "rbind rprivate nodev nosuid noexec rw")]
    public void A_volume_bind_asks_for_the_flags_its_clone_has_locked(MountFlags locked, string options) =>
        Assert.Equal(options, string.Join(' ', CoreMounts.Options(new MountSpec("/v", "/h", ReadOnly: false, MountPropagation.None, Idmapped: false) { NoDev = true }, locked)));

    [Theory]
    [InlineData(false, MountFlags.None, "rbind rprivate nodev nosuid rw")]
    [InlineData(true, MountFlags.NoSuid | MountFlags.NoDev, "rbind rprivate nodev nosuid ro")]
    [InlineData(false, MountFlags.NoExec, "rbind rprivate nodev nosuid noexec rw")]
    public void Etc_and_termination_files_are_always_bound_nosuid(bool readOnly, MountFlags locked, string options) =>
        Assert.Equal(options, string.Join(' ', CoreMounts.Options(PodFiles.Bind(Pod(null), "/f", "/etc/hosts", readOnly), locked)));

    [Fact]
    public void Etc_and_termination_files_are_idmapped_by_the_core_exactly_for_a_user_namespaced_pod()
    {
        var userns = PodFiles.Bind(Pod(new Sublet.IdMapping.IdRange(65536, 65536)), "/state/kubelet/etc/hosts", "/etc/hosts", readOnly: false);
        Assert.Equal(new MountSpec("/etc/hosts", "/state/kubelet/etc/hosts", false, MountPropagation.None, Idmapped: true) { NoSuid = true, NoDev = true }, userns);
        Assert.False(PodFiles.Bind(Pod(null), "/f", "/etc/hosts", readOnly: true).Idmapped);
    }

    private static State.PodRecord Pod(Sublet.IdMapping.IdRange? ids) => new() { Id = "p", Name = "p", Namespace = "n", Uid = "u", PlanJson = "{}", Ids = ids };

    [Theory]
    [InlineData(MountFlags.None, true)]
    [InlineData(MountFlags.NoSuid, true)]
    [InlineData(MountFlags.NoDev, true)]
    [InlineData(MountFlags.NoSuid | MountFlags.NoDev, false)]
    [InlineData(MountFlags.NoSuid | MountFlags.NoDev | MountFlags.NoExec, false)]
    public void The_pods_state_directory_is_bound_unless_it_is_nosuid_and_nodev_already(MountFlags flags, bool bind) =>
        Assert.Equal(bind, PodStateMount.NeedsBind(flags));

    [Fact]
    public void The_first_start_binds_the_pods_state_directory_root_only_and_later_starts_leave_it()
    {
        var mounter = new RecordingMounter();
        var pods = _dir["state/pods"];

        PodStateMount.Ensure(mounter, _dir["state"]);
        mounter.Flags[pods] = MountFlags.NoSuid | MountFlags.NoDev; // what the bind made
        PodStateMount.Ensure(mounter, _dir["state"]);

        Assert.Equal([$"nosuid,nodev bind {pods}"], mounter.Calls);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(pods));
    }
}
