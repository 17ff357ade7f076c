using Sublet.Kubernetes.Manifests;
using Sublet.Runtime.Config;

namespace Sublet.Kubernetes.Tests;

public class ManifestCheckerTests
{
    private static List<PodVerdict> Check(string yaml, NodeConfig? config = null) =>
        ManifestChecker.Check(ManifestReader.Read(yaml, "m.yaml"), config ?? new NodeConfig());

    [Fact]
    public void InvalidPodsStopAtValidationWithKubectlsMessage()
    {
        var verdict = Assert.Single(Check(Yaml.Pod(spec: "hostUsers: false\nhostPID: true\nhostIPC: true")));
        Assert.Equal("The Pod \"web\" is invalid: \n* spec.HostPID: Forbidden: when `hostUsers` is false\n* spec.HostIPC: Forbidden: when `hostUsers` is false", verdict.Refusal);
        Assert.Equal([("error", "pod/default/web", "spec.HostPID", "Forbidden: when `hostUsers` is false"), ("error", "pod/default/web", "spec.HostIPC", "Forbidden: when `hostUsers` is false")],
            verdict.Findings.Select(f => (f.Level, f.Object, f.Field, f.Message)));
        Assert.Null(verdict.Admission);
    }

    [Fact]
    public void EnforcedViolationsRefuseWarningsDoNot()
    {
        var config = new NodeConfig { PodSecurity = new PodSecurityConfig { Defaults = new PodSecurityDefaults { Enforce = "baseline", Warn = "restricted" } } };
        var refused = Assert.Single(Check(Yaml.Pod(container: "securityContext: {privileged: true}"), config));
        Assert.Equal("pods \"web\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (container \"app\" must not set securityContext.privileged=true)", refused.Refusal);
        var warned = Assert.Single(Check(Yaml.Pod(spec: "hostUsers: false"), config));
        Assert.False(warned.Refused);
        Assert.All(warned.Findings, f => Assert.Equal("warning", f.Level));
        Assert.Contains(warned.Findings, f => f.Field == "allowPrivilegeEscalation");
    }

    [Fact]
    public void WhatSubletCannotRunYetIsAnError()
    {
        var verdict = Assert.Single(Check(Yaml.Pod(spec: "volumes:\n- {name: v, persistentVolumeClaim: {claimName: c}}")));
        Assert.True(verdict.Refused);
        Assert.Contains(verdict.Findings, f => f.Field == "spec.volumes[0]" && f.Message.StartsWith("Unsupported value"));
    }

    [Fact]
    public void APodTheNodeCannotAdmitIsRefusedWithTheKubeletsReason()
    {
        var verdict = Assert.Single(ManifestChecker.Check(ManifestReader.Read(Yaml.Pod(spec: "nodeSelector: {disktype: ssd}"), "m.yaml"), new NodeConfig(),
            node: Admission.NodeIdentity.For("node1", "amd64")));
        Assert.Equal("Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector", verdict.Refusal);
        Assert.Equal([("error", "pod/default/web", "NodeAffinity", "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector")],
            verdict.Findings.Select(f => (f.Level, f.Object, f.Field, f.Message)));
    }

    [Fact]
    public void NamespaceLabelsComeFromTheFileElseFromTheStore()
    {
        var store = new MemoryObjectStore();
        ObjectLookup.Store(ManifestReader.Read("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: locked, labels: {pod-security.kubernetes.io/enforce: restricted}}
            """, "ns.yaml"), store);
        var pod = Yaml.Pod(container: "securityContext: {privileged: true}").Replace("name: web", "name: web\n  namespace: locked");
        var manifest = ManifestReader.Read(pod, "m.yaml");
        var stored = Assert.Single(ManifestChecker.Check(manifest, new NodeConfig(), sources: Env.EnvSources.Offline with { Objects = new ObjectLookup(manifest, store) }));
        Assert.StartsWith("pods \"web\" is forbidden: violates PodSecurity \"restricted:latest\"", stored.Refusal);

        // The file's own Namespace wins over the stored one.
        var relaxed = ManifestReader.Read("apiVersion: v1\nkind: Namespace\nmetadata: {name: locked, labels: {pod-security.kubernetes.io/enforce: privileged}}\n---\n" + pod, "m.yaml");
        Assert.False(Assert.Single(ManifestChecker.Check(relaxed, new NodeConfig(), sources: Env.EnvSources.Offline with { Objects = new ObjectLookup(relaxed, store) })).Refused);
        Assert.False(Assert.Single(Check(pod)).Refused); // no store: the defaults (privileged)
    }
}
