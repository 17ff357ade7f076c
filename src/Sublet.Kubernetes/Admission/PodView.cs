using k8s.Models;

namespace Sublet.Kubernetes.Admission;

/// <summary>The container fields the Pod Security checks read; init, regular and ephemeral containers alike.</summary>
internal sealed record ContainerView(string Name, V1SecurityContext? SecurityContext, IList<V1ContainerPort>? Ports,
    V1Probe?[] Probes, V1Lifecycle? Lifecycle);

/// <summary>visitContainers of pod-security-admission policy/visitor.go: initContainers, containers, ephemeralContainers.</summary>
internal static class PodView
{
    public static List<ContainerView> Containers(V1PodSpec spec)
    {
        var all = new List<ContainerView>();
        foreach (var c in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
            all.Add(new(c.Name ?? "", c.SecurityContext, c.Ports, [c.LivenessProbe, c.ReadinessProbe, c.StartupProbe], c.Lifecycle));
        foreach (var c in spec.EphemeralContainers ?? [])
            all.Add(new(c.Name ?? "", c.SecurityContext, c.Ports, [c.LivenessProbe, c.ReadinessProbe, c.StartupProbe], c.Lifecycle));
        return all;
    }

    public static bool IsWindows(V1PodSpec spec) => spec.Os?.Name == "windows";

    /// <summary>relaxPolicyForUserNamespacePod (policy/helpers.go, 1.35+): hostUsers set and false.</summary>
    public static bool UserNamespace(V1PodSpec spec) => spec.HostUsers == false;

    /// <summary>pluralize.</summary>
    public static string Plural(string one, string many, int count) => count == 1 ? one : many;

    /// <summary>joinQuote: each value as Go's %q, joined with ", ".</summary>
    public static string JoinQuote(IEnumerable<string> values) => string.Join(", ", values.Select(Validation.FieldError.Quote));

    /// <summary>"container "a"" / "containers "a", "b"".</summary>
    public static string ContainersPhrase(IReadOnlyCollection<string> names) => $"{Plural("container", "containers", names.Count)} {JoinQuote(names)}";

    /// <summary>sets.NewString(...).List(): distinct, sorted byte-wise.</summary>
    public static List<string> SortedSet(IEnumerable<string> values) => values.Distinct().OrderBy(v => v, StringComparer.Ordinal).ToList();
}
