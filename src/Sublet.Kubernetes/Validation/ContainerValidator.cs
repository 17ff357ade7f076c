using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>validateContainers, validateInitContainers and validateContainerCommon of pkg/apis/core/validation/validation.go.</summary>
internal sealed class ContainerValidator(V1PodSpec spec, IReadOnlyDictionary<string, V1Volume> volumes, ISet<string> claims, bool hostUsers, FieldErrors errors)
{
    /// <summary>
    /// The grace period sleep actions are checked against: 30 when unset (SetDefaults_PodSpec), 1 when
    /// negative (the pod strategy's PrepareForCreate).
    /// </summary>
    private readonly long _gracePeriod = spec.TerminationGracePeriodSeconds is { } g ? Math.Max(g, 1) : 30;

    public static IEnumerable<(string Field, IList<V1Container> List)> Lists(V1PodSpec spec)
    {
        if (spec.InitContainers is { } init) yield return ("spec.initContainers", init);
        if (spec.Containers is { } containers) yield return ("spec.containers", containers);
    }

    /// <summary>validateContainers then validateInitContainers: a name an init container shares with an app container is its Duplicate.</summary>
    public void ValidateAll()
    {
        var names = new HashSet<string>();
        if (spec.Containers is not { Count: > 0 }) errors.Required("spec.containers");
        for (var i = 0; i < (spec.Containers?.Count ?? 0); i++)
        {
            var c = spec.Containers![i];
            var path = $"spec.containers[{i}]";
            Common(c, path);
            if (!names.Add(c.Name ?? "")) errors.Duplicate($"{path}.name", c.Name ?? "");
            ProbesAndLifecycle(c, path);
            RestartRules(c, path);
        }
        if (spec.Containers is { Count: > 0 } app) HostPortConflicts(app, "spec.containers");
        for (var i = 0; i < (spec.InitContainers?.Count ?? 0); i++)
        {
            var c = spec.InitContainers![i];
            var path = $"spec.initContainers[{i}]";
            Common(c, path);
            InitRestartPolicy(c, path);
            if (names.Contains(c.Name ?? "")) errors.Duplicate($"{path}.name", c.Name ?? "");
            else if (!string.IsNullOrEmpty(c.Name)) names.Add(c.Name);
            // Init containers run one by one, so each is checked alone; upstream then reports index 0 whatever i is.
            HostPortConflicts([c], "spec.initContainers");
            if (c.RestartPolicy == "Always")
            {
                ProbesAndLifecycle(c, path);
                continue;
            }
            // An init container that runs once cannot be restarted to resize it.
            for (var j = 0; j < (c.ResizePolicy?.Count ?? 0); j++)
            {
                if (c.ResizePolicy![j].RestartPolicy == "RestartContainer")
                    errors.Invalid($"{path}.resizePolicy[{j}].restartPolicy", "RestartContainer", "must not be set to 'RestartContainer' for non-sidecar initContainers");
            }
            // validateInitContainers: probes and lifecycle belong to sidecars only.
            foreach (var (name, value) in new (string, object?)[] { ("lifecycle", c.Lifecycle), ("livenessProbe", c.LivenessProbe), ("readinessProbe", c.ReadinessProbe), ("startupProbe", c.StartupProbe) })
            {
                if (value is not null) errors.Forbidden($"{path}.{name}", "may not be set for init containers without restartPolicy=Always");
            }
        }
    }

    /// <summary>validateContainerCommon, in its order.</summary>
    private void Common(V1Container c, string path)
    {
        if (string.IsNullOrEmpty(c.Name)) errors.Required($"{path}.name");
        else errors.Each($"{path}.name", c.Name, Names.Label(c.Name));
        if (string.IsNullOrEmpty(c.Image)) errors.Required($"{path}.image");
        if (c.TerminationMessagePolicy is { } tmp && tmp is not ("File" or "FallbackToLogsOnError"))
            errors.NotSupported($"{path}.terminationMessagePolicy", tmp, "File", "FallbackToLogsOnError");
        Ports(c.Ports, $"{path}.ports");
        EnvValidator.Env(c.Env, $"{path}.env", errors);
        EnvValidator.EnvFrom(c.EnvFrom, $"{path}.envFrom", errors);
        MountValidator.Mounts(c, volumes, $"{path}.volumeMounts", errors);
        MountValidator.Devices(c, volumes, $"{path}.volumeDevices", errors);
        if (c.ImagePullPolicy is { } pull && pull is not ("Always" or "IfNotPresent" or "Never"))
            errors.NotSupported($"{path}.imagePullPolicy", pull, "Always", "IfNotPresent", "Never");
        ResourceValidator.Validate(c.Resources, $"{path}.resources", claims, errors);
        ResizePolicy(c.ResizePolicy, $"{path}.resizePolicy");
        SecurityContextValidator.ValidateContainer(c.SecurityContext, $"{path}.securityContext", hostUsers, errors);
    }

    private void ProbesAndLifecycle(V1Container c, string path)
    {
        ProbeValidator.Lifecycle(c.Lifecycle, $"{path}.lifecycle", _gracePeriod, errors);
        ProbeValidator.Validate(c.LivenessProbe, $"{path}.livenessProbe", ProbeKind.Liveness, _gracePeriod, errors);
        ProbeValidator.Validate(c.ReadinessProbe, $"{path}.readinessProbe", ProbeKind.Readiness, _gracePeriod, errors);
        ProbeValidator.Validate(c.StartupProbe, $"{path}.startupProbe", ProbeKind.Startup, _gracePeriod, errors);
    }

    /// <summary>
    /// validateInitContainerRestartPolicy with ContainerRestartRules (beta, on since 1.35) and
    /// RestartAllContainers (beta, on in 1.36): rules need a policy; a sidecar's rules and any other
    /// init container's policy and rules follow the container rules.
    /// </summary>
    private void InitRestartPolicy(V1Container c, string path)
    {
        if (c.RestartPolicy is null)
        {
            if (c.RestartPolicyRules is { Count: > 0 }) errors.Required($"{path}.restartPolicy", "must specify restartPolicy when restart rules are used");
            return;
        }
        RestartRules(c, path);
    }

    /// <summary>validateContainerRestartPolicy: Always, OnFailure or Never; at most 20 rules, each an action and exit codes.</summary>
    private void RestartRules(V1Container c, string path)
    {
        var rules = c.RestartPolicyRules ?? [];
        if (c.RestartPolicy is null)
        {
            if (rules.Count == 0) return;
            errors.Required($"{path}.restartPolicy", "must specify restartPolicy when restart rules are used");
        }
        else if (c.RestartPolicy is not ("Always" or "OnFailure" or "Never"))
        {
            errors.NotSupported($"{path}.restartPolicy", c.RestartPolicy, "Always", "Never", "OnFailure");
        }
        if (rules.Count > 20) errors.Add(new FieldError($"{path}.restartPolicyRules", "Too many", rules.Count.ToString(), "must have at most 20 items"));
        for (var i = 0; i < rules.Count; i++)
        {
            var at = $"{path}.restartPolicyRules[{i}]";
            if (rules[i].Action is not ("Restart" or "RestartAllContainers"))
                errors.NotSupported($"{at}.action", rules[i].Action ?? "", "Restart", "RestartAllContainers");
            if (rules[i].ExitCodes is not { } codes)
            {
                errors.Required($"{at}.exitCodes", "must be specified");
                continue;
            }
            if (codes.OperatorProperty is not ("In" or "NotIn")) errors.NotSupported($"{at}.exitCodes.operator", codes.OperatorProperty ?? "", "In", "NotIn");
            if (codes.Values?.Count > 255) errors.Add(new FieldError($"{at}.exitCodes.values", "Too many", codes.Values.Count.ToString(), "must have at most 255 items"));
        }
    }

    /// <summary>validateResizePolicy: cpu and memory once each; errors but the duplicate are reported at the list.</summary>
    private void ResizePolicy(IList<V1ContainerResizePolicy>? policies, string path)
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < (policies?.Count ?? 0); i++)
        {
            var name = policies![i].ResourceName ?? "";
            var restart = policies[i].RestartPolicy ?? "";
            if (!seen.Add(name)) errors.Duplicate($"{path}[{i}]", name);
            if (name.Length == 0) errors.Required(path);
            else if (name is not ("cpu" or "memory")) errors.NotSupported(path, name, "cpu", "memory");
            if (restart.Length == 0) errors.Required(path);
            else if (restart is not ("NotRequired" or "RestartContainer")) errors.NotSupported(path, restart, "NotRequired", "RestartContainer");
            if ((spec.RestartPolicy ?? "Always") == "Never" && restart != "NotRequired")
                errors.Invalid(path, restart, "must be 'NotRequired' when pod `restartPolicy` is 'Never'");
        }
    }

    /// <summary>validateContainerPorts.</summary>
    private void Ports(IList<V1ContainerPort>? ports, string field)
    {
        var names = new HashSet<string>();
        for (var i = 0; i < (ports?.Count ?? 0); i++)
        {
            var p = ports![i];
            var path = $"{field}[{i}]";
            if (!string.IsNullOrEmpty(p.Name))
            {
                var messages = Names.PortName(p.Name).ToList();
                if (messages.Count > 0) errors.Each($"{path}.name", p.Name, messages);
                else if (!names.Add(p.Name)) errors.Duplicate($"{path}.name", p.Name);
            }
            if (p.ContainerPort == 0) errors.Required($"{path}.containerPort");
            else errors.Each($"{path}.containerPort", p.ContainerPort, Names.PortNumber(p.ContainerPort));
            if (p.HostPort is { } hp && hp != 0) errors.Each($"{path}.hostPort", hp, Names.PortNumber(hp));
            if (p.Protocol is { } proto && proto is not ("TCP" or "UDP" or "SCTP"))
                errors.NotSupported($"{path}.protocol", proto, "SCTP", "TCP", "UDP");
        }
    }

    /// <summary>checkHostPortConflicts (AccumulateUniqueHostPorts): one protocol/hostIP/hostPort per list.</summary>
    private void HostPortConflicts(IList<V1Container> containers, string field)
    {
        var seen = new HashSet<string>();
        for (var ci = 0; ci < containers.Count; ci++)
        {
            var ports = containers[ci].Ports;
            for (var pi = 0; pi < (ports?.Count ?? 0); pi++)
            {
                if (ports![pi].HostPort is not { } port || port == 0) continue;
                var key = $"{ports[pi].Protocol ?? "TCP"}/{ports[pi].HostIP}/{port}";
                if (!seen.Add(key)) errors.Duplicate($"{field}[{ci}].ports[{pi}].hostPort", key);
            }
        }
    }
}
