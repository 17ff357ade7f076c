using Sublet.Linux.Mounts;
using System.Text;
using System.Text.Json;
using Sublet.Images;
using Sublet.Linux.Processes;
using Sublet.Runtime.Config;
using Sublet.Runtime.Monitor;
using Sublet.Runtime.Oci;
using Sublet.Kubelet.Plan;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;
using Sublet.Runtime.State;
using Sublet.Kubelet.Volumes;

namespace Sublet.Runtime.Tests;

/// <summary>Publishing projected volumes with a recording mounter and a content source the test controls (no root).</summary>
public sealed class ProjectedVolumesTests : IDisposable
{
    private readonly TestDir _dir = new();
    private readonly RecordingMounter _mounter = new();
    private readonly Content _content = new();
    private readonly RuntimeContext _ctx;

    public ProjectedVolumesTests()
    {
        var config = new NodeConfig { StateRoot = _dir["state"], RunRoot = _dir["run"] };
        _ctx = new RuntimeContext
        {
            Config = config, Store = new StateStore(config.StateRoot), Images = new ImageStore(_dir["images"]), Mounter = _mounter,
            Oci = new OciRuntime("runc", "/usr/sbin/runc", _dir["runc"], new RecordingRunner()), Conmon = new Conmon("/usr/bin/conmon"),
            Proc = new ProcFs(),
        };
    }

    public void Dispose()
    {
        _ctx.Dispose();
        _dir.Dispose();
    }

    private sealed class Content : IVolumeContent
    {
        public Dictionary<string, string> Values { get; } = [];

        public IReadOnlyList<ProjectedFile> Files(PodPlan plan, VolumePlan volume) =>
            Values.TryGetValue(volume.Name, out var v) ? [new ProjectedFile("key", Encoding.UTF8.GetBytes(v), 0b110_100_100)]
                : throw new PlanException($"volume \"{volume.Name}\": missing");
    }

    private static VolumePlan Volume(string name, string kind, string configMap) => new()
    {
        Name = name,
        Projection = new ProjectionPlan
        {
            Kind = kind,
            Sources = [new ProjectionSource($"spec.volumes[0].{kind}") { ConfigMap = new ObjectProjection(configMap, null, false) }],
        },
    };

    private PodRecord Running(PodPlan plan)
    {
        var pod = _ctx.Store.CreatePod(new PodRecord
        {
            Id = Plans.PodId(1), Name = plan.Name, Namespace = plan.Namespace, Uid = plan.Uid, PlanJson = JsonSerializer.Serialize(plan),
        }) with { State = PodState.Running };
        _ctx.Store.UpdatePod(pod);
        Directory.CreateDirectory(_ctx.Paths(pod.Id).StateDir);
        return pod;
    }

    [Fact]
    public void ConfigMaps_go_on_disk_the_others_on_a_tmpfs_of_their_own_and_containers_get_them_read_only()
    {
        var plan = Plans.Pod() with { Volumes = [Volume("cfg", "configMap", "app"), Volume("sec", "secret", "app")] };
        _content.Values["cfg"] = "1";
        _content.Values["sec"] = "s";
        var pod = Running(plan);
        var paths = _ctx.Paths(pod.Id);

        var cfg = new ProjectedVolumes(_ctx, _content).Publish(plan, pod, plan.Volumes[0]);
        var sec = new ProjectedVolumes(_ctx, _content).Publish(plan, pod, plan.Volumes[1]);

        Assert.Equal(Path.Combine(paths.StateDir, "volumes", "cfg"), cfg);
        Assert.Equal(Path.Combine(paths.RunDir, "tmpfs", "sec"), sec);
        Assert.Equal([$"tmpfs {sec} mode=0755"], _mounter.Calls);
        // Only host root enters the pod's tmpfs directory: the pod binds clones (issue 19).
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(paths.TmpfsDir));
        Assert.Equal("1", File.ReadAllText(Path.Combine(cfg, "key")));
        var container = Plans.Container() with { VolumeMounts = [new VolumeMountPlan("cfg", "/cfg", false), new VolumeMountPlan("sec", "/sec", false)] };
        var mounts = new VolumeBuilder(_ctx, _content).Mounts(plan, pod, container);
        // Every projection is bound nosuid, on disk too: nothing in it is meant to be set-ID (issue 19).
        Assert.All(mounts, m => Assert.Equal(["rbind", "rprivate", "nodev", "nosuid", "ro"], Sandboxes.CoreMounts.Options(m, MountFlags.None)));
        Assert.Equal([cfg, sec], mounts.Select(m => m.HostPath));
    }

    [Fact]
    public void A_missing_object_fails_the_check_before_anything_is_made()
    {
        var plan = Plans.Pod() with { Volumes = [Volume("cfg", "configMap", "app")] };
        var error = Assert.Throws<PlanException>(() => new VolumeBuilder(_ctx, _content).Check(plan));
        Assert.Equal("volume \"cfg\": missing", error.Message);
        Assert.Empty(_mounter.Calls);
        Assert.False(Directory.Exists(_dir["run"]));
    }

    [Fact]
    public void Republish_updates_only_the_volumes_asked_for_and_keeps_the_old_content_when_it_cannot()
    {
        var plan = Plans.Pod() with { Volumes = [Volume("a", "configMap", "one"), Volume("b", "configMap", "two")] };
        _content.Values["a"] = "1";
        _content.Values["b"] = "1";
        var pod = Running(plan);
        foreach (var v in plan.Volumes) new ProjectedVolumes(_ctx, _content).Publish(plan, pod, v);
        string Read(string volume) => File.ReadAllText(Path.Combine(ProjectedVolumes.SourcePath(_ctx.Paths(pod.Id), plan.Volumes.First(v => v.Name == volume)), "key"));

        _content.Values["a"] = "2";
        _content.Values["b"] = "2";
        Assert.Equal([("a", (string?)null)], new ProjectedVolumes(_ctx, _content).Republish(pod.Id, v => v.Projection!.Uses("ConfigMap", "one")));
        Assert.Equal(("2", "1"), (Read("a"), Read("b")));

        _content.Values.Remove("a");
        Assert.Equal([("a", (string?)"volume \"a\": missing")], new ProjectedVolumes(_ctx, _content).Republish(pod.Id, v => v.Name == "a"));
        Assert.Equal("2", Read("a"));

        _ctx.Store.UpdatePod(pod with { State = PodState.Succeeded });
        _content.Values["b"] = "3";
        Assert.Empty(new ProjectedVolumes(_ctx, _content).Republish(pod.Id, _ => true)); // an ended pod is left alone
        Assert.Equal("1", Read("b"));
    }
}
