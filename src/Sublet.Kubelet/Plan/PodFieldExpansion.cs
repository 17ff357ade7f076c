
namespace Sublet.Kubelet.Plan;

/// <summary>
/// A container's environment, command and args with the pod's addresses in. <c>status.podIP</c>
/// and <c>status.podIPs</c> are known only once the pod's network is up, and the kubelet makes a
/// container's environment, and expands <c>$(VAR)</c> in env values, command and args with it, at
/// container start (kubelet_pods.go makeEnvironmentVariables, kubecontainer
/// ExpandContainerCommandAndArgs): <c>args: ["--advertise=$(POD_IP)"]</c> gets the address.
/// </summary>
public static class PodFieldExpansion
{
    /// <summary>The container as it starts with <paramref name="podIps"/>; unchanged when it has no pod-field variable.</summary>
    public static ContainerPlan Apply(ContainerPlan container, IReadOnlyList<string> podIps)
    {
        if (!container.Env.Any(e => e.PodField is not null))
        {
            return container;
        }
        // In order, each value seeing those before it, as the plan made them.
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var env = new List<EnvVar>(container.Env.Count);
        foreach (var e in container.Env)
        {
            var value = e.PodField is not null ? e.Resolve(podIps)
                : e.Template is { } template ? Expansion.Expand(template, name => values.GetValueOrDefault(name))
                : e.Value;
            values[e.Name] = value;
            env.Add(e with { Value = value });
        }
        return container with
        {
            Env = env,
            Command = Expand(container.CommandTemplate, values) ?? container.Command,
            Args = Expand(container.ArgsTemplate, values) ?? container.Args,
        };
    }

    private static List<string>? Expand(IReadOnlyList<string>? template, Dictionary<string, string> values) =>
        template?.Select(s => Expansion.Expand(s, name => values.GetValueOrDefault(name))).ToList();
}
