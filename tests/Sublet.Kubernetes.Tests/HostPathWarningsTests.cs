using Sublet.Kubernetes.Manifests;
using Sublet.Runtime.Config;

namespace Sublet.Kubernetes.Tests;

/// <summary>Issue 19 hole 5: writable hostPaths of user-namespaced pods idmapped to host IDs are named.</summary>
public sealed class HostPathWarningsTests
{
    private static string Pod(bool hostUsers, string mounts, string initMounts = "[]") => $$$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          hostUsers: {{{(hostUsers ? "true" : "false")}}}
          initContainers: [{name: init, image: busybox, volumeMounts: {{{initMounts}}}}]
          containers: [{name: app, image: busybox, volumeMounts: {{{mounts}}}}]
          volumes:
          - {name: scratch, emptyDir: {}}
          - {name: data, hostPath: {path: /srv/data}}
          - {name: logs, hostPath: {path: /var/log/web, type: DirectoryOrCreate}}
        """;

    private static IReadOnlyList<HostPathWarning> Warnings(string yaml, string mode = UserNamespacesConfig.HostIds) =>
        HostPathWarnings.For(Assert.Single(ManifestReader.Read(yaml, "m.yaml").Pods), mode);

    [Fact]
    public void A_writable_hostPath_of_a_user_namespaced_pod_is_named_with_its_field_and_both_ways_out()
    {
        var warning = Assert.Single(Warnings(Pod(false, "[{name: data, mountPath: /d}, {name: scratch, mountPath: /s}, {name: logs, mountPath: /l, readOnly: true}]")));

        Assert.Equal(("data", "spec.volumes[1].hostPath"), (warning.Volume, warning.Field));
        Assert.StartsWith("volume \"data\" (hostPath /srv/data) is writable by a pod with hostUsers: false and idmapped to host IDs: ", warning.Message, StringComparison.Ordinal);
        Assert.Contains("owned by host root, set-user-ID programs and file capabilities included", warning.Message, StringComparison.Ordinal);
        Assert.Equal("mount it readOnly, or set userNamespaces.hostPathIdmap: pod in the node configuration (the pod then writes as its own host IDs)", warning.Fix);
    }

    [Fact]
    public void One_writable_mount_in_any_container_is_enough()
    {
        var warnings = Warnings(Pod(false, "[{name: data, mountPath: /d, readOnly: true}, {name: logs, mountPath: /l, readOnly: true}]", initMounts: "[{name: logs, mountPath: /l}]"));
        Assert.Equal(["logs"], warnings.Select(w => w.Volume));
    }

    [Theory]
    [InlineData(true, UserNamespacesConfig.HostIds, "[{name: data, mountPath: /d}]")] // host users: the pod's root is host root anyway
    [InlineData(false, UserNamespacesConfig.PodIds, "[{name: data, mountPath: /d}]")] // the pod writes as its own host IDs
    [InlineData(false, UserNamespacesConfig.HostIds, "[{name: data, mountPath: /d, readOnly: true}]")]
    [InlineData(false, UserNamespacesConfig.HostIds, "[{name: scratch, mountPath: /s}]")] // mounted by nobody
    public void No_warning_where_the_pod_cant_create_host_root_files(bool hostUsers, string mode, string mounts) =>
        Assert.Empty(Warnings(Pod(hostUsers, mounts), mode));

    [Fact]
    public void Check_reports_it_as_a_warning_that_refuses_nothing()
    {
        var manifest = ManifestReader.Read(Pod(false, "[{name: data, mountPath: /d}]"), "m.yaml");

        var verdict = Assert.Single(ManifestChecker.Check(manifest, new NodeConfig()));
        var quiet = Assert.Single(ManifestChecker.Check(manifest, new NodeConfig { UserNamespaces = new UserNamespacesConfig { HostPathIdmap = UserNamespacesConfig.PodIds } }));

        Assert.False(verdict.Refused);
        var finding = Assert.Single(verdict.Findings, f => f.Field.EndsWith(".hostPath", StringComparison.Ordinal));
        Assert.Equal(("warning", "pod/default/web", "spec.volumes[1].hostPath"), (finding.Level, finding.Object, finding.Field));
        Assert.EndsWith("; mount it readOnly, or set userNamespaces.hostPathIdmap: pod in the node configuration (the pod then writes as its own host IDs)", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(quiet.Findings, f => f.Field.EndsWith(".hostPath", StringComparison.Ordinal));
    }
}
