using Sublet.Linux.Mounts;
using Sublet.Runtime.Oci;
using Sublet.Kubelet.Plan;
using Sublet.Runtime.Sandboxes;
using Sublet.Kubelet.Volumes;

namespace Sublet.Runtime.Tests;

public sealed class MountOptionsTests
{
    [Theory]
    [InlineData(MountPropagation.None, false, "rbind rprivate rw")]
    [InlineData(MountPropagation.HostToContainer, true, "rbind rslave ro")]
    [InlineData(MountPropagation.Bidirectional, false, "rbind rshared rw")]
    public void Propagation_maps_as_containerd_maps_it(MountPropagation propagation, bool readOnly, string options) =>
        Assert.Equal(options, string.Join(' ', CoreMounts.Options(new MountSpec("/v", "/h", readOnly, propagation, Idmapped: false), MountFlags.None)));

    [Theory]
    [InlineData(new MountPropagation[0], null)]
    [InlineData(new[] { MountPropagation.None, MountPropagation.HostToContainer }, "rslave")]
    [InlineData(new[] { MountPropagation.HostToContainer, MountPropagation.Bidirectional }, "rshared")]
    public void The_rootfs_propagation_is_raised_with_the_mounts(MountPropagation[] mounts, string? rootfs)
    {
        Assert.Equal(rootfs, CoreSpecs.RootfsPropagation([.. mounts.Select(p => new MountSpec("/v", "/h", false, p, Idmapped: false))]));
    }

    [Theory]
    [InlineData(RecursiveReadOnly.Disabled, true, true, false)]
    [InlineData(RecursiveReadOnly.IfPossible, true, true, true)]
    [InlineData(RecursiveReadOnly.IfPossible, true, false, false)]
    [InlineData(RecursiveReadOnly.Enabled, true, true, true)]
    [InlineData(RecursiveReadOnly.Disabled, false, true, false)]
    public void Recursive_read_only_is_resolved_as_the_kubelet_does(RecursiveReadOnly mode, bool readOnly, bool kernelCan, bool expected) =>
        Assert.Equal(expected, MountRules.RecursiveReadOnly(new VolumeMountPlan("v", "/v", readOnly) { RecursiveReadOnly = mode }, kernelCan));

    [Theory]
    [InlineData(false, MountPropagation.None, "volume \"v\" requested recursive read-only mode, but it is not read-only")]
    [InlineData(true, MountPropagation.HostToContainer, "volume \"v\" requested recursive read-only mode, but it is not compatible with propagation \"HostToContainer\"")]
    public void Recursive_read_only_needs_a_read_only_mount_without_propagation(bool readOnly, MountPropagation propagation, string message) =>
        Assert.Equal(message, Assert.Throws<PlanException>(() => MountRules.RecursiveReadOnly(
            new VolumeMountPlan("v", "/v", readOnly) { RecursiveReadOnly = RecursiveReadOnly.IfPossible, Propagation = propagation }, kernelCan: true)).Message);

    [Theory]
    [InlineData(8_000_000_000L, null, null, 8_000_000_000L)]
    [InlineData(8_000_000_000L, 256_000_000L, null, 256_000_000L)]
    [InlineData(8_000_000_000L, 256_000_000L, 1_048_576L, 1_048_576L)]
    [InlineData(8_000_000_000L, 256_000_000L, 512_000_000L, 256_000_000L)]
    [InlineData(8_000_000_000L, 0L, 0L, 8_000_000_000L)]
    public void A_memory_emptyDir_is_sized_as_the_kubelet_sizes_it(long node, long? podLimit, long? sizeLimit, long size) =>
        Assert.Equal(size, MemoryMedium.Size(node, podLimit, sizeLimit));

    [Theory]
    [InlineData("per-$(WHO)", "per-alpha")]
    [InlineData("$(WHO)/$(WHO)", "alpha/alpha")]
    [InlineData("$$(WHO)", "$(WHO)")]
    [InlineData("a$b", "a$b")]
    [InlineData("x$(WHO", "x$(WHO")]
    [InlineData("end$", "end$")]
    public void SubPathExpr_expands_as_the_kubelet_does(string expr, string expanded) =>
        Assert.Equal(expanded, SubPathExpansion.For(new VolumeMountPlan("v", "/v", false) { SubPathExpr = expr }, [new EnvVar("WHO", "alpha")]));

    [Theory]
    [InlineData("$(NOPE)/$(EMPTY)", "subPathExpr \"$(NOPE)/$(EMPTY)\": missing value for EMPTY, NOPE")]
    [InlineData("$(ABS)", "subPathExpr \"$(ABS)\": SubPath `/etc` must not be an absolute path")]
    [InlineData("a/$(UP)/b", "subPathExpr \"a/$(UP)/b\": unable to provision SubPath `a/../b`: must not contain '..'")]
    public void SubPathExpr_fails_for_missing_values_and_paths_that_leave(string expr, string message) =>
        Assert.Equal(message, Assert.Throws<PlanException>(() => SubPathExpansion.For(
            new VolumeMountPlan("v", "/v", false) { SubPathExpr = expr }, [new EnvVar("EMPTY", ""), new EnvVar("ABS", "/etc"), new EnvVar("UP", "..")])).Message);

    [Theory]
    [InlineData(MountPropagation.None, false, false, null)]
    [InlineData(MountPropagation.HostToContainer, false, true, null)]
    [InlineData(MountPropagation.HostToContainer, true, false, null)]
    [InlineData(MountPropagation.HostToContainer, false, false, "path \"/srv/x\" is mounted on \"/srv\" but it is not a shared or slave mount")]
    [InlineData(MountPropagation.Bidirectional, true, false, null)]
    [InlineData(MountPropagation.Bidirectional, false, true, "path \"/srv/x\" is mounted on \"/srv\" but it is not a shared mount")]
    public void Propagating_mounts_need_a_source_that_propagates_as_containerd_checks(MountPropagation propagation, bool shared, bool slave, string? error) =>
        Assert.Equal(error, MountRules.SourceError(propagation, "/srv/x", new MountPeers("/srv", shared, slave)));

    [Theory]
    [InlineData(MountPropagation.Bidirectional, false, true)]
    [InlineData(MountPropagation.Bidirectional, true, false)]
    [InlineData(MountPropagation.HostToContainer, false, false)]
    public void Bidirectional_is_refused_with_a_user_namespace(MountPropagation propagation, bool hostUsers, bool refused) =>
        Assert.Equal(refused, MountRules.UserNamespaceError(propagation, hostUsers) is not null);
}
