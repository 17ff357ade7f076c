using k8s.Models;
using Sublet.Kubernetes.Manifests;
using Sublet.Kubelet.Plan;

namespace Sublet.Kubernetes.Tests;

/// <summary>Manifest snippets: a valid pod to start from, and the translate-or-reject helpers.</summary>
internal static class Yaml
{
    /// <summary>A Pod with one container; <paramref name="spec"/> and <paramref name="container"/> are extra lines at their indentation.</summary>
    public static string Pod(string name = "web", string spec = "", string container = "") => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
        spec:
        {Indent(spec, 2)}  containers:
          - name: app
            image: localhost/busybox:demo
        {Indent(container, 4)}
        """;

    public static V1Pod ReadPod(string yaml) => Assert.Single(ManifestReader.Read(yaml, "pod.yaml").Pods);

    public static PodPlan Translate(string yaml) => PodTranslator.Translate(ReadPod(yaml), "pod.yaml");

    public static IReadOnlyList<string> Problems(string yaml) =>
        Assert.Throws<PodRejectedException>(() => Translate(yaml)).Problems;

    private static string Indent(string lines, int spaces) =>
        lines.Length == 0 ? "" : string.Concat(lines.Split('\n').Select(l => new string(' ', spaces) + l + "\n"));
}
