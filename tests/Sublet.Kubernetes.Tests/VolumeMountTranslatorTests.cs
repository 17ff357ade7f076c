using Sublet.Kubelet.Plan;
using Sublet.Runtime.Sandboxes;
using static Sublet.Kubernetes.Tests.Yaml;

namespace Sublet.Kubernetes.Tests;

public sealed class VolumeMountTranslatorTests
{
    [Fact]
    public void VolumeMount_fields_are_carried_into_the_plan()
    {
        var plan = Translate(Pod(spec: "volumes: [{name: v, emptyDir: {}}]", container: """
            volumeMounts:
                  - {name: v, mountPath: /a, subPath: x/y, readOnly: true, recursiveReadOnly: Enabled}
                  - {name: v, mountPath: /b, subPathExpr: "$(POD)", mountPropagation: HostToContainer}
                  - {name: v, mountPath: /c, recursiveReadOnly: IfPossible, readOnly: true}
            """));

        var mounts = plan.Containers[0].VolumeMounts;
        Assert.Equal(new VolumeMountPlan("v", "/a", true) { SubPath = "x/y", RecursiveReadOnly = RecursiveReadOnly.Enabled }, mounts[0]);
        Assert.Equal(new VolumeMountPlan("v", "/b", false) { SubPathExpr = "$(POD)", Propagation = MountPropagation.HostToContainer }, mounts[1]);
        Assert.Equal(RecursiveReadOnly.IfPossible, mounts[2].RecursiveReadOnly);
        Assert.Equal(MountPropagation.None, mounts[2].Propagation);
    }

    [Theory]
    [InlineData("{medium: Memory, sizeLimit: 64Mi}", true, 67108864L)]
    [InlineData("{medium: Memory}", true, null)]
    [InlineData("{sizeLimit: 1G}", false, 1000000000L)]
    public void EmptyDir_medium_and_size_limit_are_read(string source, bool inMemory, long? limit)
    {
        var volume = Assert.Single(Translate(Pod(spec: $"volumes: [{{name: v, emptyDir: {source}}}]")).Volumes);
        Assert.Equal(inMemory, volume.InMemory);
        Assert.Equal(limit, volume.SizeLimitBytes);
    }

    [Fact]
    public void HugePages_medium_is_refused_by_path() =>
        Assert.Equal(["spec.volumes[0].emptyDir.medium: Unsupported value: \"HugePages\": supported values: \"\", \"Memory\""],
            Problems(Pod(spec: "volumes: [{name: v, emptyDir: {medium: HugePages}}]")));

    [Theory]
    [InlineData("fsGroup: 2000", 2000L, false)]
    [InlineData("fsGroup: 2000\n    fsGroupChangePolicy: OnRootMismatch", 2000L, true)]
    [InlineData("runAsUser: 1", null, false)]
    public void FsGroup_and_its_change_policy_are_read(string securityContext, long? fsGroup, bool onRootMismatch)
    {
        var plan = Translate(Pod(spec: "securityContext:\n    " + securityContext));
        Assert.Equal(fsGroup, plan.FsGroup);
        Assert.Equal(onRootMismatch, plan.FsGroupOnRootMismatch);
    }
}
