using Sublet.Linux;
using Sublet.Linux.Mounts;
using Sublet.Runtime.Oci;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Volumes;

namespace Sublet.Runtime.Tests;

/// <summary>Answers OpenBeneath from a set of paths; records every call.</summary>
internal sealed class RecordingVolumeMounts : IVolumeMounts
{
    public HashSet<string> Existing { get; } = [];
    public HashSet<string> Escaping { get; } = [];
    public List<string> Calls { get; } = [];

    public SafeFd? OpenBeneath(string root, string relative)
    {
        Calls.Add($"open {root} {relative}");
        return Escaping.Contains(relative) ? throw new PathEscapeException(root, relative, Errno.EXDEV)
            : Existing.Contains(relative) ? new SafeFd() : null;
    }

    public void CreateDirectoriesBeneath(string root, string relative)
    {
        Calls.Add($"mkdir {root} {relative}");
        Existing.Add(relative);
    }

    public void AttachClone(SafeFd source, string target, CloneOptions options) =>
        Calls.Add($"attach {target} rro={options.RecursiveReadOnly} {options.Propagation}");

}

public sealed class SubPathsTests : IDisposable
{
    private static readonly VolumePlan Data = new() { Name = "data", HostPath = "/srv/data" };
    private readonly TestDir _dir = new();
    private readonly RecordingVolumeMounts _mounts = new();

    public void Dispose() => _dir.Dispose();

    private SubPaths For(ContainerPlan container, bool kernelCan = true) => new(_mounts, _dir.Path, container, kernelCan);

    private static ContainerPlan Container(params VolumeMountPlan[] mounts) =>
        new() { Name = "app", Image = "img", VolumeMounts = mounts, Env = [new EnvVar("WHO", "alpha")] };

    [Fact]
    public void A_plain_mount_binds_the_volume_root_and_stages_nothing()
    {
        var mount = new VolumeMountPlan("data", "/d", false);
        Assert.Equal("/srv/data", For(Container(mount)).Source(Data, mount, 0, "/srv/data"));
        Assert.Empty(_mounts.Calls);
    }

    [Fact]
    public void An_existing_subpath_is_opened_beneath_the_root_and_its_descriptor_bound()
    {
        _mounts.Existing.Add("conf/app.txt");
        var mount = new VolumeMountPlan("data", "/etc/app.txt", true) { SubPath = "conf/app.txt" };
        var source = For(Container(mount)).Source(Data, mount, 3, "/srv/data");

        Assert.Equal(Path.Combine(_dir.Path, "3"), source);
        Assert.Equal(["open /srv/data conf/app.txt", $"attach {source} rro=False Private"], _mounts.Calls);
    }

    [Fact]
    public void A_missing_subpath_is_created_then_opened_beneath_the_volume_root()
    {
        var mount = new VolumeMountPlan("data", "/m", false) { SubPathExpr = "per-$(WHO)" };
        var source = For(Container(mount)).Source(Data, mount, 0, "/srv/data");

        Assert.Equal(["open /srv/data per-alpha", "mkdir /srv/data per-alpha", "open /srv/data per-alpha", $"attach {source} rro=False Private"], _mounts.Calls);
    }

    [Fact]
    public void A_missing_subpath_in_a_projected_volume_is_refused_not_created()
    {
        var config = new VolumePlan { Name = "cfg", Projection = new ProjectionPlan { Kind = "configMap", Sources = [] } };
        var mount = new VolumeMountPlan("cfg", "/etc/app.conf", true) { SubPath = "absent" };
        var e = Assert.Throws<PlanException>(() => For(Container(mount)).Source(config, mount, 0, "/run/cfg"));
        Assert.Contains("subPath \"absent\"", e.Message);
        Assert.DoesNotContain(_mounts.Calls, c => c.StartsWith("mkdir", StringComparison.Ordinal));
    }

    [Fact]
    public void A_subpath_leading_out_is_refused_naming_the_container_the_mount_and_the_volume()
    {
        _mounts.Escaping.Add("escape");
        var mount = new VolumeMountPlan("data", "/mnt", false) { SubPath = "escape" };
        var e = Assert.Throws<PlanException>(() => For(Container(mount)).Source(Data, mount, 1, "/srv/data"));

        Assert.Equal("container \"app\": volumeMounts[1] (volume \"data\" at /mnt): subpath \"escape\" not within volume path \"/srv/data\" (hostPath /srv/data): it leads out of the volume through \"..\" or a symlink", e.Message);
        Assert.DoesNotContain(_mounts.Calls, c => c.StartsWith("attach", StringComparison.Ordinal) || c.StartsWith("mkdir", StringComparison.Ordinal));
    }

    [Fact]
    public void Recursive_read_only_stages_the_whole_volume_read_only_recursively()
    {
        _mounts.Existing.Add("");
        var mount = new VolumeMountPlan("data", "/r", true) { RecursiveReadOnly = RecursiveReadOnly.Enabled };
        var source = For(Container(mount)).Source(Data, mount, 0, "/srv/data");

        Assert.Equal(["open /srv/data ", $"attach {source} rro=True Private"], _mounts.Calls);
    }

    [Fact]
    public void Recursive_read_only_if_possible_falls_back_to_a_plain_bind_where_the_kernel_cannot()
    {
        var mount = new VolumeMountPlan("data", "/r", true) { RecursiveReadOnly = RecursiveReadOnly.IfPossible };
        Assert.Equal("/srv/data", For(Container(mount), kernelCan: false).Source(Data, mount, 0, "/srv/data"));

        var enabled = mount with { RecursiveReadOnly = RecursiveReadOnly.Enabled };
        var e = Assert.Throws<PlanException>(() => For(Container(enabled), kernelCan: false).Source(Data, enabled, 0, "/srv/data"));
        Assert.Equal("container \"app\": volumeMounts[0] (volume \"data\" at /r): volume \"data\" requested recursive read-only mode, but it is not supported by the runtime (needs mount_setattr(2), Linux 5.12)", e.Message);
    }
}
