using Sublet.IdMapping;
using Sublet.Images;
using Sublet.Runtime.Plan;

namespace Sublet.Runtime.Oci;

/// <summary>Where a container's namespaces come from: the sandbox's pause process.</summary>
public sealed record SandboxNamespaces(int PausePid, string ProcRoot = "/proc")
{
    public string Path(string kind) => $"{ProcRoot}/{PausePid}/ns/{kind}";
}

/// <summary>
/// Builds OCI configs from plans. Pure: no I/O, so every rule is unit-tested without root.
/// </summary>
public static class SpecBuilder
{
    /// <summary>
    /// An app container joining the sandbox's user, network, IPC and UTS namespaces by path, with its
    /// security context applied (<see cref="SecurityOptions"/>). <paramref name="host"/>: what this host
    /// grants (default: read from the running process once).
    /// </summary>
    public static Spec Container(PodPlan pod, ContainerPlan container, ImageConfig image, ResolvedUser user,
        string rootfs, SandboxNamespaces sandbox, IdRange? userns, string cgroupsPath, HostLimits? host = null)
    {
        var namespaces = new List<Namespace>
        {
            // shareProcessNamespace: the sandbox's PID namespace, where catatonit is PID 1 and reaps for everyone.
            pod.ShareProcessNamespace ? new() { Type = "pid", Path = sandbox.Path("pid") } : new() { Type = "pid" },
            new() { Type = "mount" },
            new() { Type = "ipc", Path = sandbox.Path("ipc") },
        };
        if (!pod.HostNetwork)
        {
            namespaces.Add(new() { Type = "network", Path = sandbox.Path("net") });
            namespaces.Add(new() { Type = "uts", Path = sandbox.Path("uts") });
        }
        if (userns is not null)
        {
            // runc 1.1.5 needs the mappings repeated even when joining by path (runtime-anchors.md §3.3, runc#4122).
            namespaces.Add(new() { Type = "user", Path = sandbox.Path("user") });
        }
        host ??= HostLimits.Current;
        var security = SecurityOptions.For(pod, container, user, host);
        var annotations = new Dictionary<string, string>
        {
            ["io.kubernetes.cri.container-type"] = "container",
            ["io.kubernetes.cri.container-name"] = container.Name,
            ["io.kubernetes.pod.name"] = pod.Name,
            ["io.kubernetes.pod.namespace"] = pod.Namespace,
        };
        if (security.Clamped.Count > 0)
        {
            annotations[SecurityOptions.ClampedAnnotation] = string.Join("; ", security.Clamped);
        }
        var linux = LinuxSection(namespaces, userns, cgroupsPath, security.HidePaths);
        return new Spec
        {
            Root = new Root { Path = rootfs, Readonly = container.Security.ReadOnlyRootFilesystem },
            Process = new Process
            {
                Terminal = container.Tty,
                User = new User { Uid = user.Uid, Gid = user.Gid, AdditionalGids = user.AdditionalGids.Count > 0 ? [.. user.AdditionalGids] : null },
                Args = [.. Arguments(container, image)],
                Env = [.. Environment(pod, container, image)],
                Cwd = WorkingDir(container, image),
                Capabilities = security.ProcessCapabilities(),
                NoNewPrivileges = container.Security.NoNewPrivileges,
                OomScoreAdj = security.OomScoreAdj,
            },
            // Privileged: sysfs and cgroupfs writable (oci.WithWriteableSysfs, WithWriteableCgroupfs).
            Mounts = pod.HostNetwork && userns is not null
                ? SpecDefaults.WithNodeSysfs(SpecDefaults.Mounts(withCgroup: true, writable: security.Privileged))
                : SpecDefaults.Mounts(withCgroup: true, writable: security.Privileged),
            Annotations = annotations,
            Linux = linux with
            {
                Resources = CgroupResources.For(container.Resources, security.DeviceRules(), host.SwapController),
                Devices = security.Devices is { Count: > 0 } devices ? [.. devices] : null,
                Seccomp = security.Seccomp,
            },
        };
    }

    /// <summary>
    /// Kubernetes' command/args rules (Container.command and .args, "Define a command and
    /// arguments"): command replaces ENTRYPOINT and drops CMD; args alone replace CMD.
    /// </summary>
    public static IReadOnlyList<string> Arguments(ContainerPlan container, ImageConfig image)
    {
        IEnumerable<string> args = container.Command is { Count: > 0 } command
            ? command.Concat(container.Args ?? [])
            : (image.Entrypoint ?? []).Concat(container.Args is { Count: > 0 } args2 ? args2 : image.Cmd ?? []);
        var list = args.ToList();
        return list.Count > 0 ? list
            : throw new PlanException($"container \"{container.Name}\": no command specified: the image has no ENTRYPOINT or CMD and the manifest sets no command");
    }

    /// <summary>Image environment, then the manifest's (a name set twice keeps the last value), as the kubelet and containerd merge them.</summary>
    public static IReadOnlyList<string> Environment(PodPlan pod, ContainerPlan container, ImageConfig image) =>
        ProcessEnvironment.Merge(image.Env, Hostname(pod), container.Env.Select(e => new KeyValuePair<string, string>(e.Name, e.Value)));

    public static string WorkingDir(ContainerPlan container, ImageConfig image) =>
        !string.IsNullOrEmpty(container.WorkingDir) ? container.WorkingDir
        : !string.IsNullOrEmpty(image.WorkingDir) ? image.WorkingDir
        : "/";

    /// <summary>The kubelet uses the pod name as hostname, cut to 63 characters (pkg/kubelet/util GeneratePodHostNameAndDomain).</summary>
    public static string Hostname(PodPlan pod)
    {
        var name = pod.HostNetwork ? System.Environment.MachineName : pod.Hostname ?? pod.Name;
        return name.Length > 63 ? name[..63].TrimEnd('-', '.') : name;
    }

    /// <summary>The linux section every Sublet container has: the given namespaces, the pod's mappings, containerd's masked paths (unless <paramref name="hidePaths"/> is false) and a closed device cgroup.</summary>
    private static Linux LinuxSection(List<Namespace> namespaces, IdRange? userns, string cgroupsPath, bool hidePaths = true) => new()
    {
        Namespaces = namespaces,
        UidMappings = Mappings(userns),
        GidMappings = Mappings(userns),
        MaskedPaths = hidePaths ? [.. SpecDefaults.MaskedPaths] : null,
        ReadonlyPaths = hidePaths ? [.. SpecDefaults.ReadonlyPaths] : null,
        // Callers give CgroupResources.ContainerPath: a per-pod parent (/sublet/podID/ID), removed by PodCgroups on down (runc deletes only the leaf).
        CgroupsPath = cgroupsPath,
        Resources = new Resources { Devices = SpecDefaults.DenyAllDevices() },
    };

    private static List<IdMapping>? Mappings(IdRange? range) =>
        range is { } r ? [new IdMapping { ContainerId = 0, HostId = r.Start, Size = r.Length }] : null;
}

/// <summary>
/// The user a container process runs as, after manifest and image USER were combined.
/// <paramref name="UnverifiableImageUser"/>: the image's USER was a name and runAsNonRoot is set, so
/// the kubelet would refuse the container before resolving it (SpecBuilder throws its message).
/// </summary>
public sealed record ResolvedUser(uint Uid, uint Gid, IReadOnlyList<uint> AdditionalGids, string? UnverifiableImageUser = null);

/// <summary>A plan that cannot be run as asked (bad command, unknown user): a user error, not a runtime failure.</summary>
public sealed class PlanException(string message) : Exception(message);
