using Sublet.Kubernetes.Admission;

namespace Sublet.Kubernetes.Tests;

/// <summary>The kubelet's admission predicates (lifecycle/predicate.go) against a node named "node1" on amd64.</summary>
public class NodeAdmissionTests
{
    private static readonly NodeIdentity Node = NodeIdentity.For("Node1", "amd64");

    private const string Affinity = "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector";

    private static string? Refusal(string spec, string labels = "")
    {
        var yaml = Yaml.Pod(spec: spec);
        if (labels.Length > 0) yaml = yaml.Replace("  name: web\n", $"  name: web\n  labels: {{{labels}}}\n");
        return NodeAdmission.Admit(Yaml.ReadPod(yaml), Node) is { } r ? $"{r.Reason}: {r.Message}" : null;
    }

    private static string Terms(string expressions) =>
        $"affinity:\n  nodeAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n      nodeSelectorTerms:\n{expressions}";

    public static TheoryData<string, string?> Cases => new()
    {
        { "", null },
        { "nodeSelector: {kubernetes.io/os: linux, kubernetes.io/arch: amd64, kubernetes.io/hostname: node1}", null },
        { "nodeSelector: {kubernetes.io/arch: arm64}", $"NodeAffinity: {Affinity}" },
        { "nodeSelector: {disktype: ssd}", $"NodeAffinity: {Affinity}" },
        { Terms("      - matchExpressions: [{key: kubernetes.io/arch, operator: In, values: [arm64, amd64]}]"), null },
        { Terms("      - matchExpressions: [{key: disktype, operator: NotIn, values: [hdd]}, {key: gpu, operator: DoesNotExist}]"), null },
        { Terms("      - matchExpressions: [{key: disktype, operator: Exists}]"), $"NodeAffinity: {Affinity}" },
        // Terms are ORed; an empty term matches nothing.
        { Terms("      - {}\n      - matchFields: [{key: metadata.name, operator: In, values: [node1]}]"), null },
        { Terms("      - {}"), $"NodeAffinity: {Affinity}" },
        { Terms("      - matchFields: [{key: metadata.name, operator: NotIn, values: [node1]}]"), $"NodeAffinity: {Affinity}" },
        // Preferred terms never refuse a pod.
        { "affinity:\n  nodeAffinity:\n    preferredDuringSchedulingIgnoredDuringExecution:\n    - {weight: 1, preference: {matchExpressions: [{key: disktype, operator: In, values: [ssd]}]}}", null },
        { "nodeName: node1", null },
        { "nodeName: node2", "NodeName: Predicate NodeName failed: node(s) didn't match the requested node name" },
        { "nodeName: node2\nnodeSelector: {disktype: ssd}", $"NodeAffinity: {Affinity}" },
        { "os: {name: windows}", "PodOSNotSupported: Failed to admit pod as the OS field doesn't match node OS" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void KubeletAdmission(string spec, string? expected) => Assert.Equal(expected, Refusal(spec));

    [Fact]
    public void AnOsLabelOfAnotherSystemIsRefused() => Assert.Equal(
        "PodOSSelectorNodeLabelDoesNotMatch: Failed to admit pod as the `kubernetes.io/os` label doesn't match node label",
        Refusal("", "kubernetes.io/os: windows"));

    [Fact]
    public void NodeLabelsAreTheKubeletDefaults() => Assert.Equal(
        new Dictionary<string, string>
        {
            ["kubernetes.io/hostname"] = "node1", ["kubernetes.io/os"] = "linux", ["kubernetes.io/arch"] = "amd64",
            ["beta.kubernetes.io/os"] = "linux", ["beta.kubernetes.io/arch"] = "amd64",
        },
        Node.Labels);
}
