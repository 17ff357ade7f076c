using k8s.Models;
using Sublet.Kubernetes.Env;
using Sublet.Kubelet.Plan;

namespace Sublet.Kubernetes.Manifests;

/// <summary>A pod that cannot be run; every problem, each with its field path, kubectl style.</summary>
public sealed class PodRejectedException(string pod, IReadOnlyList<string> problems)
    : Exception($"The Pod \"{pod}\" is invalid: {string.Join("; ", problems)}")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Turns a v1 Pod into a <see cref="PodPlan"/>. Fields Sublet does not act on yet are refused by
/// path rather than ignored: a pod must never run with less isolation or fewer files than it asked for.
/// </summary>
public static class PodTranslator
{
    /// <param name="security">The node's seccomp profile directory and allowed unsafe sysctls (default: the default configuration's).</param>
    /// <param name="sources">The ConfigMaps, Secrets and node facts env vars may draw on (default: none).</param>
    public static PodPlan Translate(V1Pod pod, string source, SecuritySettings? security = null, EnvSources? sources = null)
    {
        security ??= SecuritySettings.From(new Sublet.Runtime.Config.NodeConfig());
        sources ??= EnvSources.Offline;
        // The pod has passed PodValidator (the API server's checks) before it gets here: this only
        // maps it, and refuses by path what Sublet cannot run yet.
        var problems = new List<string>();
        var name = pod.Metadata?.Name ?? "";
        var ns = pod.Metadata?.NamespaceProperty ?? "default";
        var spec = pod.Spec ?? throw new PodRejectedException(name, ["spec: Required value"]);
        var hostUsers = spec.HostUsers ?? true;
        Unsupported(problems, spec.HostPID == true, "spec.hostPID");
        Unsupported(problems, spec.HostIPC == true, "spec.hostIPC");
        Unsupported(problems, spec.EphemeralContainers is { Count: > 0 }, "spec.ephemeralContainers");
        var volumes = Volumes(spec, problems);
        SecurityTranslator.CheckPod(spec, problems);
        var sysctls = SysctlPolicy.Check(spec, security.AllowedUnsafeSysctls, problems);
        var dns = EtcTranslator.Dns(spec, problems);

        var uid = pod.Metadata?.Uid ?? Guid.NewGuid().ToString();
        var env = new EnvContext(pod, uid, sources);
        var initContainers = Containers(spec.InitContainers, "spec.initContainers", spec, security, env, problems);
        var containers = Containers(spec.Containers, "spec.containers", spec, security, env, problems);
        var restart = spec.RestartPolicy switch
        {
            null or "Always" => RestartPolicy.Always,
            "OnFailure" => RestartPolicy.OnFailure,
            "Never" => RestartPolicy.Never,
            _ => RestartPolicy.Always, // validation allows only the three
        };
        if (problems.Count > 0)
        {
            throw new PodRejectedException(name, problems);
        }
        return new PodPlan
        {
            Name = name,
            Namespace = ns,
            Uid = uid,
            HostUsers = hostUsers,
            RestartPolicy = restart,
            TerminationGracePeriodSeconds = spec.TerminationGracePeriodSeconds ?? 30,
            Hostname = spec.Hostname,
            Subdomain = spec.Subdomain is { Length: > 0 } subdomain ? subdomain : null,
            HostAliases = EtcTranslator.HostAliases(spec),
            Dns = dns,
            Labels = pod.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : new Dictionary<string, string>(),
            Annotations = pod.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a) : new Dictionary<string, string>(),
            Containers = containers,
            InitContainers = initContainers,
            ShareProcessNamespace = spec.ShareProcessNamespace == true,
            Volumes = volumes,
            Sysctls = sysctls,
            QosClass = OomScore.Qos(spec).ToString(),
            FsGroup = spec.SecurityContext?.FsGroup,
            FsGroupOnRootMismatch = spec.SecurityContext?.FsGroupChangePolicy == "OnRootMismatch",
            HostNetwork = spec.HostNetwork == true,
            // With hostNetwork the node's ports are the pod's: nothing to map (validation made hostPort = containerPort).
            PortMappings = spec.HostNetwork == true ? [] : HostPorts(spec),
            Source = source,
        };
    }

    /// <summary>
    /// The app containers' ports with a hostPort, as the kubelet hands them to the runtime
    /// (kuberuntime generatePodSandboxConfig, MakePortMappings): protocol defaults to TCP.
    /// </summary>
    private static List<Sublet.Runtime.Network.PortMapping> HostPorts(V1PodSpec spec) =>
    [
        .. (spec.Containers ?? []).SelectMany(c => c.Ports ?? []).Where(p => p.HostPort is > 0)
            .Select(p => new Sublet.Runtime.Network.PortMapping(p.Protocol ?? "TCP", p.ContainerPort, p.HostPort!.Value, p.HostIP ?? "")),
    ];

    private static List<ContainerPlan> Containers(IList<V1Container>? list, string field, V1PodSpec spec, SecuritySettings security, EnvContext envContext, List<string> problems)
    {
        var containers = new List<ContainerPlan>();
        var init = field == "spec.initContainers";
        for (var i = 0; i < (list?.Count ?? 0); i++)
        {
            var c = list![i];
            var path = $"{field}[{i}]";
            // Container-level restart rules (KEP-5307) change when a container restarts; PodSync
            // follows the pod's restartPolicy (and Always for sidecars) only.
            Unsupported(problems, !init && c.RestartPolicy is not null, $"{path}.restartPolicy");
            Unsupported(problems, c.RestartPolicyRules is { Count: > 0 }, $"{path}.restartPolicyRules");
            var mounts = new List<VolumeMountPlan>();
            mounts.AddRange((c.VolumeMounts ?? []).Select(VolumeMountTranslator.Mount));
            var env = EnvTranslator.Container(envContext.Pod, envContext.Uid, c, path, envContext.Sources, problems);
            var sc = c.SecurityContext;
            var psc = spec.SecurityContext;
            containers.Add(new ContainerPlan
            {
                Name = c.Name ?? "",
                Image = c.Image ?? "",
                PullPolicy = c.ImagePullPolicy switch
                {
                    "Always" => PullPolicy.Always,
                    "Never" => PullPolicy.Never,
                    "IfNotPresent" => PullPolicy.IfNotPresent,
                    _ => Images.ImageNames.PullsAlwaysByDefault(c.Image ?? "") ? PullPolicy.Always : PullPolicy.IfNotPresent,
                },
                // An empty list is no list, as after an API server round trip (Go omitempty):
                // "args: []" keeps the image CMD rather than dropping it.
                Command = EnvTranslator.Expand(c.Command, env),
                Args = EnvTranslator.Expand(c.Args, env),
                CommandTemplate = EnvTranslator.Template(c.Command, env),
                ArgsTemplate = EnvTranslator.Template(c.Args, env),
                Env = env,
                WorkingDir = c.WorkingDir,
                RunAsUser = sc?.RunAsUser ?? psc?.RunAsUser,
                RunAsGroup = sc?.RunAsGroup ?? psc?.RunAsGroup,
                Tty = c.Tty == true,
                Stdin = c.Stdin == true,
                StdinOnce = c.StdinOnce == true,
                VolumeMounts = mounts,
                PostStart = Hook(c.Lifecycle?.PostStart, $"{path}.lifecycle.postStart", problems),
                PreStop = Hook(c.Lifecycle?.PreStop, $"{path}.lifecycle.preStop", problems),
                // KEP-753: an init container with restartPolicy Always is a sidecar that keeps running.
                Sidecar = init && c.RestartPolicy == "Always",
                Security = SecurityTranslator.Container(spec, c, path, security, problems),
                OomScoreAdj = OomScore.For(spec, c, security.MemoryCapacity),
                Resources = ResourceTranslator.Container(c),
                TerminationMessagePath = EtcTranslator.TerminationMessage(c).Path,
                TerminationMessagePolicy = EtcTranslator.TerminationMessage(c).Policy,
            });
                }
        return containers;
    }

    private sealed record EnvContext(V1Pod Pod, string Uid, EnvSources Sources);

    /// <summary>emptyDir (on disk), hostPath, configMap, secret, downwardAPI and projected so far; other sources are refused by path, never ignored.</summary>
    private static List<VolumePlan> Volumes(V1PodSpec spec, List<string> problems)
    {
        var volumes = spec.Volumes;
        var result = new List<VolumePlan>();
        for (var i = 0; i < (volumes?.Count ?? 0); i++)
        {
            var v = volumes![i];
            var path = $"spec.volumes[{i}]";
            if (v.EmptyDir is { } empty)
            {
                result.Add(VolumeMountTranslator.EmptyDir(v.Name, empty, path, problems));
            }
            else if (v.HostPath is { } host)
            {
                result.Add(new VolumePlan { Name = v.Name, HostPath = host.Path, HostPathType = host.Type ?? "" });
            }
            else if (ProjectionTranslator.For(v, path, spec, problems) is { } projection)
            {
                result.Add(new VolumePlan { Name = v.Name, Projection = projection });
            }
            else
            {
                Unsupported(problems, true, path); // persistentVolumeClaim, csi, …: not yet
            }
        }
        return result;
    }

    /// <summary>exec and sleep handlers run; httpGet and tcpSocket need pod networking Sublet does not have yet.</summary>
    private static LifecycleHook? Hook(V1LifecycleHandler? handler, string path, List<string> problems)
    {
        if (handler is null)
        {
            return null;
        }
        Unsupported(problems, handler.HttpGet is not null, path + ".httpGet");
        Unsupported(problems, handler.TcpSocket is not null, path + ".tcpSocket");
        return new LifecycleHook(handler.Exec?.Command?.ToList(), handler.Sleep?.Seconds);
    }

    private static void Unsupported(List<string> problems, bool present, string path)
    {
        if (present)
        {
            problems.Add($"{path}: Unsupported value: sublet does not support this field yet, and will not run the pod without it");
        }
    }

}
