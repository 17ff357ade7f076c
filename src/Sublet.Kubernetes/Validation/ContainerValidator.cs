using k8s.Models;

namespace Sublet.Kubernetes.Validation;

/// <summary>validateInitContainers, validateContainers and validateContainerCommon of pkg/apis/core/validation/validation.go.</summary>
internal sealed class ContainerValidator(V1PodSpec spec, Dictionary<string, V1Volume> volumes, bool hostUsers, FieldErrors errors)
{
    private readonly HashSet<string> _names = [];

    public static IEnumerable<(string Field, IList<V1Container> List)> Lists(V1PodSpec spec)
    {
        if (spec.InitContainers is { } init) yield return ("spec.initContainers", init);
        if (spec.Containers is { } containers) yield return ("spec.containers", containers);
    }

    public void ValidateAll()
    {
        // validateContainers then validateInitContainers: a name an init container shares with an app container is its Duplicate.
        if (spec.Containers is not { Count: > 0 }) errors.Required("spec.containers");
        for (var i = 0; i < (spec.Containers?.Count ?? 0); i++)
        {
            Validate(spec.Containers![i], $"spec.containers[{i}]", init: false);
        }
        HostPortConflicts();
        for (var i = 0; i < (spec.InitContainers?.Count ?? 0); i++)
        {
            Validate(spec.InitContainers![i], $"spec.initContainers[{i}]", init: true);
        }
        // ValidatePodCreate: ephemeral containers are added through the ephemeralcontainers subresource only.
        if (spec.EphemeralContainers is { Count: > 0 }) errors.Forbidden("spec.ephemeralContainers", "cannot be set on create");
    }

    private void Validate(V1Container c, string path, bool init)
    {
        if (string.IsNullOrEmpty(c.Name)) errors.Required($"{path}.name");
        else
        {
            errors.Each($"{path}.name", c.Name, Names.Label(c.Name));
            if (!_names.Add(c.Name)) errors.Duplicate($"{path}.name", c.Name);
        }
        if (string.IsNullOrEmpty(c.Image)) errors.Required($"{path}.image");
        else if (c.Image.Trim() != c.Image) errors.Invalid($"{path}.image", c.Image, "must not have leading or trailing whitespace");
        if (c.ImagePullPolicy is { } pull && pull is not ("Always" or "IfNotPresent" or "Never"))
            errors.NotSupported($"{path}.imagePullPolicy", pull, "Always", "IfNotPresent", "Never");
        if (c.TerminationMessagePolicy is { } tmp && tmp is not ("File" or "FallbackToLogsOnError"))
            errors.NotSupported($"{path}.terminationMessagePolicy", tmp, "File", "FallbackToLogsOnError");
        var sidecar = init && c.RestartPolicy == "Always";
        if (c.RestartPolicy is { } rp)
        {
            if (!init) errors.Forbidden($"{path}.restartPolicy", "may not be set for non-init containers");
            else if (rp != "Always") errors.NotSupported($"{path}.restartPolicy", rp, "Always");
        }
        Ports(c.Ports, $"{path}.ports");
        Env(c.Env, $"{path}.env");
        EnvFrom(c.EnvFrom, $"{path}.envFrom");
        Mounts(c, $"{path}.volumeMounts");
        Devices(c, $"{path}.volumeDevices");
        ResourceValidator.Validate(c.Resources, $"{path}.resources", errors);
        if (init && !sidecar)
        {
            // validateInitContainers: probes and lifecycle belong to sidecars only.
            if (c.Lifecycle is not null) errors.Forbidden($"{path}.lifecycle", "may not be set for init containers without restartPolicy=Always");
            if (c.LivenessProbe is not null) errors.Forbidden($"{path}.livenessProbe", "may not be set for init containers without restartPolicy=Always");
            if (c.ReadinessProbe is not null) errors.Forbidden($"{path}.readinessProbe", "may not be set for init containers without restartPolicy=Always");
            if (c.StartupProbe is not null) errors.Forbidden($"{path}.startupProbe", "may not be set for init containers without restartPolicy=Always");
        }
        else
        {
            ProbeValidator.Validate(c.LivenessProbe, $"{path}.livenessProbe", ProbeKind.Liveness, errors);
            ProbeValidator.Validate(c.ReadinessProbe, $"{path}.readinessProbe", ProbeKind.Readiness, errors);
            ProbeValidator.Validate(c.StartupProbe, $"{path}.startupProbe", ProbeKind.Startup, errors);
            ProbeValidator.Lifecycle(c.Lifecycle, $"{path}.lifecycle", errors);
        }
        SecurityContextValidator.ValidateContainer(c.SecurityContext, $"{path}.securityContext", hostUsers, errors);
    }

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

    /// <summary>checkHostPortConflicts: one hostIP/protocol/hostPort per pod's app containers.</summary>
    private void HostPortConflicts()
    {
        var seen = new HashSet<string>();
        for (var ci = 0; ci < (spec.Containers?.Count ?? 0); ci++)
        {
            var ports = spec.Containers![ci].Ports;
            for (var pi = 0; pi < (ports?.Count ?? 0); pi++)
            {
                if (ports![pi].HostPort is not { } port || port == 0) continue;
                var key = $"{ports[pi].HostIP}/{ports[pi].Protocol ?? "TCP"}/{port}";
                if (!seen.Add(key)) errors.Duplicate($"spec.containers[{ci}].ports[{pi}].hostPort", key);
            }
        }
    }

    private void Env(IList<V1EnvVar>? env, string field)
    {
        for (var i = 0; i < (env?.Count ?? 0); i++)
        {
            var e = env![i];
            if (string.IsNullOrEmpty(e.Name)) errors.Required($"{field}[{i}].name");
            else errors.Each($"{field}[{i}].name", e.Name, Names.EnvVarName(e.Name));
            if (e.ValueFrom is { } from)
            {
                var sources = new object?[] { from.FieldRef, from.ResourceFieldRef, from.ConfigMapKeyRef, from.SecretKeyRef, from.FileKeyRef }.Count(s => s is not null);
                // validateEnvVarValueFrom, in its order.
                if (sources == 0) errors.Invalid($"{field}[{i}].valueFrom", "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`");
                else if (!string.IsNullOrEmpty(e.Value)) errors.Invalid($"{field}[{i}].valueFrom", "", "may not be specified when `value` is not empty");
                else if (sources > 1) errors.Invalid($"{field}[{i}].valueFrom", "", "may not have more than one field specified at a time");
            }
        }
    }

    /// <summary>validateEnvFrom: one source each, a valid prefix and source name.</summary>
    private void EnvFrom(IList<V1EnvFromSource>? sources, string field)
    {
        for (var i = 0; i < (sources?.Count ?? 0); i++)
        {
            var e = sources![i];
            var path = $"{field}[{i}]";
            if (!string.IsNullOrEmpty(e.Prefix)) errors.Each($"{path}.prefix", e.Prefix, Names.EnvVarName(e.Prefix));
            var count = (e.ConfigMapRef is null ? 0 : 1) + (e.SecretRef is null ? 0 : 1);
            if (e.ConfigMapRef?.Name is { Length: > 0 } cm) errors.Each($"{path}.configMapRef.name", cm, Names.Subdomain(cm));
            if (e.SecretRef?.Name is { Length: > 0 } secret) errors.Each($"{path}.secretRef.name", secret, Names.Subdomain(secret));
            if (count == 0) errors.Invalid(path, "", "must specify one of: `configMapRef` or `secretRef`");
            else if (count > 1) errors.Invalid(path, "", "may not have more than one field specified at a time");
        }
    }

    private void Mounts(V1Container c, string field)
    {
        var points = new HashSet<string>();
        for (var i = 0; i < (c.VolumeMounts?.Count ?? 0); i++)
        {
            var m = c.VolumeMounts![i];
            var path = $"{field}[{i}]";
            if (string.IsNullOrEmpty(m.Name)) errors.Required($"{path}.name");
            else if (!volumes.ContainsKey(m.Name)) errors.NotFound($"{path}.name", m.Name);
            if (string.IsNullOrEmpty(m.MountPath)) errors.Required($"{path}.mountPath");
            else if (!points.Add(m.MountPath)) errors.Invalid($"{path}.mountPath", m.MountPath, "must be unique");
            if (!string.IsNullOrEmpty(m.SubPath)) VolumeValidator.LocalDescendingPath(m.SubPath, $"{path}.subPath", errors);
            if (!string.IsNullOrEmpty(m.SubPath) && !string.IsNullOrEmpty(m.SubPathExpr))
                errors.Invalid($"{path}.subPathExpr", m.SubPathExpr, "subPathExpr and subPath are mutually exclusive");
            if (m.MountPropagation is { } prop)
            {
                if (prop is not ("Bidirectional" or "HostToContainer" or "None"))
                    errors.NotSupported($"{path}.mountPropagation", prop, "Bidirectional", "HostToContainer", "None");
                else if (prop == "Bidirectional" && c.SecurityContext?.Privileged != true)
                    errors.Forbidden($"{path}.mountPropagation", "Bidirectional mount propagation is available only to privileged containers");
            }
        }
    }

    /// <summary>validateVolumeDevices: raw block devices come from PVC or ephemeral volumes, apart from the mounts.</summary>
    private void Devices(V1Container c, string field)
    {
        var paths = new HashSet<string>();
        var mountPaths = (c.VolumeMounts ?? []).Select(m => m.MountPath).ToHashSet();
        var mountNames = (c.VolumeMounts ?? []).Select(m => m.Name).ToHashSet();
        for (var i = 0; i < (c.VolumeDevices?.Count ?? 0); i++)
        {
            var d = c.VolumeDevices![i];
            var path = $"{field}[{i}]";
            var name = d.Name ?? "";
            var devicePath = d.DevicePath ?? "";
            if (name.Length == 0) errors.Required($"{path}.name");
            if (paths.Contains(devicePath)) errors.Invalid($"{path}.devicePath", devicePath, "must be unique");
            if (devicePath.Length > 0 && devicePath.Split('/').Contains("..")) errors.Invalid($"{path}.devicePath", devicePath, "can not contain backsteps ('..')");
            else paths.Add(devicePath);
            volumes.TryGetValue(name, out var volume);
            if (volume is null) errors.NotFound($"{path}.name", name);
            if (volume is not { PersistentVolumeClaim: not null } and not { Ephemeral: not null })
                errors.Invalid($"{path}.name", name, "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode");
            if (mountPaths.Contains(devicePath)) errors.Invalid($"{path}.devicePath", devicePath, "must not already exist in volumeMounts");
            if (mountNames.Contains(name)) errors.Invalid($"{path}.name", name, "must not already exist in volumeMounts");
        }
    }
}
