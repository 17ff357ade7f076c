using System.Text;
using k8s.Models;
using Sublet.Kubelet.Plan;

namespace Sublet.Kubernetes.Env;

/// <summary>What a container's environment may draw on: the pod's ConfigMaps and Secrets and the node.</summary>
public sealed record EnvSources(IKubeObjects Objects, NodeFacts Node)
{
    /// <summary>No objects and an empty node: for checks that only need the pod's own fields.</summary>
    public static readonly EnvSources Offline = new(Manifests.ObjectLookup.None, new NodeFacts("", [], 0, 0, 0));
}

/// <summary>
/// A container's environment as the kubelet makes it (kubelet_pods.go makeEnvironmentVariables):
/// <c>envFrom</c> sources first, in order, then <c>env</c> entries, which replace them; a value's
/// <c>$(VAR)</c> references see what is defined before it. A missing ConfigMap, Secret or key stops
/// the pod unless the reference is optional (the kubelet's CreateContainerConfigError).
/// </summary>
public static class EnvTranslator
{
    public static List<EnvVar> Container(V1Pod pod, string uid, V1Container c, string path, EnvSources sources, List<string> problems)
    {
        var ns = pod.Metadata?.NamespaceProperty ?? "default";
        var env = new Dictionary<string, string>();
        var podFields = new Dictionary<string, string>();
        var templates = new Dictionary<string, string>();
        var order = new List<string>();
        void Set(string name, string value)
        {
            if (!env.ContainsKey(name)) order.Add(name);
            env[name] = value;
        }

        for (var i = 0; i < (c.EnvFrom?.Count ?? 0); i++)
        {
            var from = c.EnvFrom![i];
            var at = $"{path}.envFrom[{i}]";
            var values = from.ConfigMapRef is { } cm ? ConfigMapValues(sources, ns, cm.Name, cm.Optional == true, at + ".configMapRef", problems)
                : from.SecretRef is { } sr ? SecretValues(sources, ns, sr.Name, sr.Optional == true, at + ".secretRef", problems)
                : null;
            // Keys in sorted order: the kubelet ranges over a Go map, so no order is promised; this one is stable.
            foreach (var (key, value) in (values ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var name = (from.Prefix ?? "") + key;
                if (IsEnvVarName(name))
                {
                    Set(name, value);
                }
            }
        }

        for (var i = 0; i < (c.Env?.Count ?? 0); i++)
        {
            var item = c.Env![i];
            var at = $"{path}.env[{i}].valueFrom";
            string? value = item.Value is { Length: > 0 } v
                ? Expansion.Expand(v, name => env.GetValueOrDefault(name))
                : item.ValueFrom is { } from ? ValueFrom(pod, uid, c, from, at, sources, ns, problems) : "";
            if (value is not null && !string.IsNullOrEmpty(item.Name))
            {
                Set(item.Name, value);
                podFields.Remove(item.Name);
                templates.Remove(item.Name);
                if (item.Value is { } raw && raw.Contains("$(", StringComparison.Ordinal))
                {
                    templates[item.Name] = raw;
                }
                if (item.ValueFrom?.FieldRef?.FieldPath is EnvVar.PodIp or EnvVar.PodIps && item.Value is not { Length: > 0 })
                {
                    podFields[item.Name] = item.ValueFrom.FieldRef.FieldPath;
                }
            }
        }
        // Values that may refer to status.podIP(s) are expanded again once the pod has its address.
        return order.Select(n => new EnvVar(n, env[n], podFields.GetValueOrDefault(n), podFields.Count > 0 ? templates.GetValueOrDefault(n) : null)).ToList();
    }

    /// <summary><c>command</c> or <c>args</c> as written when they may refer to a <c>status.podIP(s)</c> variable (<see cref="ContainerPlan.CommandTemplate"/>), else null.</summary>
    public static List<string>? Template(IList<string>? list, IReadOnlyList<EnvVar> env) =>
        list is { Count: > 0 } && env.Any(e => e.PodField is not null) && list.Any(s => s.Contains("$(", StringComparison.Ordinal)) ? [.. list] : null;

    /// <summary><c>command</c> or <c>args</c> with <c>$(VAR)</c> expanded from the container's environment (kubecontainer.ExpandContainerCommandAndArgs).</summary>
    public static List<string>? Expand(IList<string>? list, IReadOnlyList<EnvVar> env)
    {
        if (list is not { Count: > 0 })
        {
            return null;
        }
        var map = env.ToDictionary(e => e.Name, e => e.Value);
        return list.Select(s => Expansion.Expand(s, name => map.GetValueOrDefault(name))).ToList();
    }

    /// <summary>The value of one <c>valueFrom</c>; null when an optional source is missing (the variable is left out).</summary>
    private static string? ValueFrom(V1Pod pod, string uid, V1Container c, V1EnvVarSource from, string at, EnvSources sources, string ns, List<string> problems)
    {
        if (from.FieldRef is { } field)
        {
            return DownwardApi.Field(pod, uid, field.FieldPath, sources.Node, []) ?? Unknown(problems, at + ".fieldRef.fieldPath", field.FieldPath);
        }
        if (from.ResourceFieldRef is { } resource)
        {
            var target = string.IsNullOrEmpty(resource.ContainerName) ? c
                : pod.Spec?.Containers?.Concat(pod.Spec.InitContainers ?? []).FirstOrDefault(x => x.Name == resource.ContainerName);
            if (target is null)
            {
                problems.Add($"{at}.resourceFieldRef.containerName: Invalid value: \"{resource.ContainerName}\": must be the name of a container in the pod");
                return null;
            }
            return DownwardApi.Resource(target, resource.Resource, resource.Divisor, sources.Node) ?? Unknown(problems, at + ".resourceFieldRef.resource", resource.Resource);
        }
        if (from.ConfigMapKeyRef is { } cmKey)
        {
            var values = ConfigMapValues(sources, ns, cmKey.Name, cmKey.Optional == true, at + ".configMapKeyRef", problems);
            return Key(values, cmKey.Key, cmKey.Optional == true, $"ConfigMap {ns}/{cmKey.Name}", at + ".configMapKeyRef", problems);
        }
        if (from.SecretKeyRef is { } secretKey)
        {
            var values = SecretValues(sources, ns, secretKey.Name, secretKey.Optional == true, at + ".secretKeyRef", problems);
            return Key(values, secretKey.Key, secretKey.Optional == true, $"Secret {ns}/{secretKey.Name}", at + ".secretKeyRef", problems);
        }
        return ""; // validation requires exactly one source
    }

    private static string? Key(IReadOnlyDictionary<string, string>? values, string key, bool optional, string what, string at, List<string> problems)
    {
        if (values is null)
        {
            return null;
        }
        if (values.TryGetValue(key, out var value))
        {
            return value;
        }
        if (!optional)
        {
            // The kubelet's words (makeEnvironmentVariables).
            problems.Add($"{at}: couldn't find key {key} in {what}");
        }
        return null;
    }

    private static IReadOnlyDictionary<string, string>? ConfigMapValues(EnvSources sources, string ns, string name, bool optional, string at, List<string> problems)
    {
        if (sources.Objects.ConfigMap(ns, name) is { } cm)
        {
            return cm.Data is { } data ? new Dictionary<string, string>(data) : new Dictionary<string, string>();
        }
        return NotFound(optional, at, $"configmaps \"{name}\" not found", problems);
    }

    private static IReadOnlyDictionary<string, string>? SecretValues(EnvSources sources, string ns, string name, bool optional, string at, List<string> problems)
    {
        if (sources.Objects.Secret(ns, name) is { } secret)
        {
            // stringData is written over data, as the API server merges them on create.
            var values = (secret.Data ?? new Dictionary<string, byte[]>()).ToDictionary(p => p.Key, p => Encoding.UTF8.GetString(p.Value));
            foreach (var (key, value) in secret.StringData ?? new Dictionary<string, string>())
            {
                values[key] = value;
            }
            return values;
        }
        return NotFound(optional, at, $"secrets \"{name}\" not found", problems);
    }

    private static IReadOnlyDictionary<string, string>? NotFound(bool optional, string at, string message, List<string> problems)
    {
        if (!optional)
        {
            problems.Add($"{at}: {message}");
        }
        return null;
    }

    private static string? Unknown(List<string> problems, string at, string value)
    {
        problems.Add($"{at}: Unsupported value: \"{value}\"");
        return null;
    }

    /// <summary>
    /// RelaxedEnvironmentVariableValidation (GA in 1.34): any printable ASCII but '=' (validation
    /// IsRelaxedEnvVarName); envFrom keys that fail it are skipped, as the kubelet skips them.
    /// </summary>
    private static bool IsEnvVarName(string name) => name.Length > 0 && name.All(ch => ch is >= ' ' and <= '~' and not '=');
}
