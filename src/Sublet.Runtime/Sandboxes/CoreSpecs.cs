using Sublet.IdMapping;
using Sublet.Images;
using Sublet.Runtime.Oci;

namespace Sublet.Runtime.Sandboxes;

/// <summary>
/// OCI configs for the runtime core's sandboxes and containers, from their final configs. Pure:
/// every rule is unit-tested without root. Where CRI leaves a choice to the runtime, containerd's
/// (internal/cri/server container_create_linux.go, podsandbox/sandbox_run_linux.go) is made.
/// </summary>
public static class CoreSpecs
{
    /// <summary>The cgroup a sandbox's processes go under: the client's parent, else Sublet's per-sandbox one.</summary>
    public static string CgroupParent(string sandboxId, SandboxConfig config) =>
        config.CgroupParent is { Length: > 0 } parent ? "/" + parent.Trim('/') : CgroupResources.PodParent(sandboxId);

    /// <summary>A user-namespaced pod on the node's network gets the node's /sys read-only (<see cref="SpecDefaults.WithNodeSysfs"/>).</summary>
    private static List<Mount> NodeSysfs(SandboxConfig config, List<Mount> mounts) =>
        config.Network == NamespaceScope.Node && config.UserNamespace is not null ? SpecDefaults.WithNodeSysfs(mounts) : mounts;

    /// <summary>
    /// The pause process: catatonit -P as PID 1, holding the namespaces the pod shares. With
    /// <paramref name="pinned"/> it joins the namespaces made (and the network configured) before
    /// it: network, uts, ipc and the user namespace that owns them.
    /// </summary>
    public static Spec Sandbox(string sandboxId, SandboxConfig config, string rootfs, Sublet.Linux.Namespaces.PinnedNamespaces? pinned = null)
    {
        var namespaces = new List<Namespace> { new() { Type = "mount" } };
        if (config.Pid != NamespaceScope.Node)
        {
            namespaces.Add(new() { Type = "pid" });
        }
        if (config.Network != NamespaceScope.Node)
        {
            namespaces.Add(new() { Type = "network", Path = pinned?.Net });
            namespaces.Add(new() { Type = "uts", Path = pinned?.Uts });
        }
        if (config.Ipc != NamespaceScope.Node)
        {
            namespaces.Add(new() { Type = "ipc", Path = pinned?.Ipc });
        }
        if (config.UserNamespace is not null)
        {
            // runc 1.1.5 wants the mappings in the spec also when it joins by path (runtime-anchors.md §3.3).
            namespaces.Add(new() { Type = "user", Path = pinned?.User });
        }
        return new Spec
        {
            Hostname = config.Network != NamespaceScope.Node && config.Hostname.Length > 0 ? config.Hostname : null,
            Root = new Root { Path = rootfs, Readonly = true },
            Process = new Process
            {
                User = new User { Uid = 0, Gid = 0 },
                Args = ["/catatonit", "-P"],
                Env = [SpecDefaults.DefaultPath],
                Capabilities = new Capabilities(),
                NoNewPrivileges = true,
            },
            Mounts = NodeSysfs(config, SpecDefaults.SandboxMounts(config.Privileged)),
            Annotations = Annotations(config.Annotations, new()
            {
                ["io.kubernetes.cri.container-type"] = "sandbox",
                ["io.kubernetes.cri.sandbox-id"] = sandboxId,
                ["io.kubernetes.cri.sandbox-name"] = config.Name,
                ["io.kubernetes.cri.sandbox-namespace"] = config.Namespace,
                ["io.kubernetes.cri.sandbox-uid"] = config.Uid,
            }),
            Linux = new Oci.Linux
            {
                Namespaces = namespaces,
                UidMappings = Mappings(config.UserNamespace),
                GidMappings = Mappings(config.UserNamespace),
                MaskedPaths = [.. SpecDefaults.MaskedPaths],
                ReadonlyPaths = [.. SpecDefaults.ReadonlyPaths],
                CgroupsPath = $"{CgroupParent(sandboxId, config)}/{sandboxId}",
                Resources = new Resources { Devices = SpecDefaults.DenyAllDevices() },
                Sysctl = config.Sysctls.Count > 0 ? config.Sysctls.ToDictionary() : null,
            },
        };
    }

    /// <summary>Where a container's namespaces come from.</summary>
    public static List<Namespace> ContainerNamespaces(SandboxConfig sandbox, SandboxNamespaces pause)
    {
        var namespaces = new List<Namespace> { new() { Type = "mount" } };
        switch (sandbox.Pid)
        {
            case NamespaceScope.Pod: namespaces.Add(new() { Type = "pid", Path = pause.Path("pid") }); break;
            case NamespaceScope.Container: namespaces.Add(new() { Type = "pid" }); break;
        }
        if (sandbox.Network != NamespaceScope.Node)
        {
            namespaces.Add(new() { Type = "network", Path = pause.Path("net") });
            namespaces.Add(new() { Type = "uts", Path = pause.Path("uts") });
        }
        if (sandbox.Ipc != NamespaceScope.Node)
        {
            namespaces.Add(new() { Type = "ipc", Path = pause.Path("ipc") });
        }
        if (sandbox.UserNamespace is not null)
        {
            // runc 1.1.5 needs the mappings repeated even when joining by path (runtime-anchors.md §3.3).
            namespaces.Add(new() { Type = "user", Path = pause.Path("user") });
        }
        return namespaces;
    }

    /// <summary>
    /// An app container. <paramref name="mounts"/> are the binds already prepared (idmapped
    /// clones for a user namespace); <paramref name="user"/> is the resolved process user;
    /// <paramref name="devices"/> the host device nodes its config asks for, resolved.
    /// </summary>
    public static Spec Container(string sandboxId, SandboxConfig sandbox, string containerId, ContainerConfig container,
        ImageConfig image, ResolvedUser user, string rootfs, SandboxNamespaces pause, IReadOnlyList<Mount> mounts, HostLimits host,
        IReadOnlyList<ExposedDevice>? devices = null)
    {
        devices ??= [];
        var security = container.Security;
        var clamped = new List<string>();
        var caps = CapabilitySet.Resolve(security, host.Capabilities, clamped);
        // containerd clears masked and read-only paths for a privileged container (oci.WithPrivileged),
        // and the kubelet sends none for procMount Unmasked (pkg/securitycontext ConvertToRuntimeMaskedPaths).
        var hidePaths = !security.Privileged && !security.UnmaskedProc;
        var annotations = Annotations(container.Annotations, new()
        {
            ["io.kubernetes.cri.container-type"] = "container",
            ["io.kubernetes.cri.container-name"] = container.Name,
            ["io.kubernetes.cri.sandbox-id"] = sandboxId,
            ["io.kubernetes.cri.sandbox-name"] = sandbox.Name,
            ["io.kubernetes.cri.sandbox-namespace"] = sandbox.Namespace,
            ["io.kubernetes.cri.image-name"] = container.Image,
        });
        var oom = SecurityOptions.ClampOomScore(container.Resources.OomScoreAdj != 0 ? (int)container.Resources.OomScoreAdj : null, host.OomScoreAdj, clamped);
        if (clamped.Count > 0)
        {
            annotations[SecurityOptions.ClampedAnnotation] = string.Join("; ", clamped);
        }
        var spec = new Spec
        {
            Root = new Root { Path = rootfs, Readonly = security.ReadOnlyRootfs },
            Process = new Process
            {
                Terminal = container.Tty,
                User = new User { Uid = user.Uid, Gid = user.Gid, AdditionalGids = user.AdditionalGids.Count > 0 ? [.. user.AdditionalGids] : null },
                Args = [.. Arguments(container, image)],
                Env = [.. Environment(sandbox, container, image, host.Hostname)],
                Cwd = container.WorkingDir is { Length: > 0 } cwd ? cwd : image.WorkingDir is { Length: > 0 } imageCwd ? imageCwd : "/",
                // Bounding and permitted; effective only for UID 0, since the kernel clears them at exec for other users anyway (no ambient set).
                Capabilities = new Capabilities { Bounding = caps, Effective = user.Uid == 0 ? [.. caps] : [], Permitted = [.. caps] },
                NoNewPrivileges = security.NoNewPrivileges,
                OomScoreAdj = oom,
            },
            Mounts = [.. NodeSysfs(sandbox, SpecDefaults.Mounts(withCgroup: true, writable: security.Privileged)), .. mounts, .. DeviceBinds(sandbox, devices)],
            Annotations = annotations,
            Linux = new Oci.Linux
            {
                Namespaces = ContainerNamespaces(sandbox, pause),
                UidMappings = Mappings(sandbox.UserNamespace),
                GidMappings = Mappings(sandbox.UserNamespace),
                MaskedPaths = !hidePaths ? null : security.MaskedPaths is { Count: > 0 } masked ? [.. masked] : [.. SpecDefaults.MaskedPaths],
                ReadonlyPaths = !hidePaths ? null : security.ReadonlyPaths is { Count: > 0 } ro ? [.. ro] : [.. SpecDefaults.ReadonlyPaths],
                CgroupsPath = $"{CgroupParent(sandboxId, sandbox)}/{containerId}",
                Resources = WithDevices(Resources(container.Resources, security.Privileged, host.SwapController), devices),
                Devices = DeviceNodes(sandbox, security.Privileged ? host.Devices() : [], devices),
                Seccomp = SeccompProfiles.For(security, caps),
                RootfsPropagation = RootfsPropagation(container.Mounts),
            },
        };
        return spec;
    }

    /// <summary>
    /// The nodes runc makes in the container's /dev: a privileged container's host devices, then
    /// the ones asked for (a requested path replaces a host device at the same path). In a user
    /// namespace the requested ones are bind mounts instead (<see cref="DeviceBinds"/>).
    /// </summary>
    public static List<Device>? DeviceNodes(SandboxConfig sandbox, IReadOnlyList<Device> hostDevices, IReadOnlyList<ExposedDevice> devices)
    {
        var paths = devices.Select(d => d.Node.Path).ToHashSet(StringComparer.Ordinal);
        List<Device> all = [.. hostDevices.Where(d => !paths.Contains(d.Path)), .. sandbox.UserNamespace is null ? devices.Select(d => d.Node) : []];
        return all.Count > 0 ? all : null;
    }

    /// <summary>
    /// In a user namespace nobody may mknod, so runc bind-mounts each linux.devices entry instead
    /// (libcontainer rootfs_linux.go createDevices → bindMountDeviceNode), from the entry's own
    /// path on the host: right for host devices at their host paths, wrong for a device asked to
    /// appear elsewhere (host /dev/null at /dev/mynull, tried with runc 1.1.5: runc create fails
    /// with "error creating device nodes: mount /dev/mynull:…/rootfs/dev/mynull …: no such file or
    /// directory"). So
    /// Sublet binds each requested node from where it is on the host itself, after /dev is mounted.
    /// </summary>
    public static IEnumerable<Mount> DeviceBinds(SandboxConfig sandbox, IReadOnlyList<ExposedDevice> devices) =>
        sandbox.UserNamespace is null ? [] : devices.Select(d => new Mount { Destination = d.Node.Path, Type = "bind", Source = d.HostPath, Options = ["bind"] });

    /// <summary>containerd WithDevices: an allow rule per requested node with its permissions, after the defaults (deny all, or allow all when privileged).</summary>
    public static Resources WithDevices(Resources resources, IReadOnlyList<ExposedDevice> devices) =>
        devices.Count == 0 ? resources : resources with { Devices = [.. resources.Devices ?? [], .. devices.Select(d => d.Rule)] };

    /// <summary>
    /// containerd raises the root's propagation with the mounts (WithMounts): rshared for a
    /// Bidirectional mount, rslave for HostToContainer, so mount events can pass the root at all.
    /// </summary>
    public static string? RootfsPropagation(IReadOnlyList<MountSpec> mounts) =>
        mounts.Any(m => m.Propagation == MountPropagation.Bidirectional) ? "rshared"
        : mounts.Any(m => m.Propagation == MountPropagation.HostToContainer) ? "rslave"
        : null;

    /// <summary>containerd getProcessArgs: command replaces ENTRYPOINT; with no command, args replace CMD.</summary>
    public static IReadOnlyList<string> Arguments(ContainerConfig container, ImageConfig image)
    {
        var command = container.Command.ToList();
        var args = container.Args.ToList();
        if (command.Count == 0)
        {
            if (args.Count == 0)
            {
                args = [.. image.Cmd ?? []];
            }
            command = [.. image.Entrypoint ?? []];
        }
        var all = command.Concat(args).ToList();
        return all.Count > 0 ? all
            : throw RuntimeError.Invalid($"container \"{container.Name}\": no command specified: the image has no ENTRYPOINT or CMD and the request sets none");
    }

    /// <summary>
    /// Image environment, PATH if the image has none, HOSTNAME, then the request's
    /// (<see cref="ProcessEnvironment.Merge"/>). HOSTNAME is the sandbox's, or the node's when the
    /// sandbox names none (a kubelet sends no hostname for a hostNetwork pod): containerd's
    /// generateContainerSpec takes os.Hostname() then.
    /// </summary>
    public static IReadOnlyList<string> Environment(SandboxConfig sandbox, ContainerConfig container, ImageConfig image, string nodeHostname) =>
        ProcessEnvironment.Merge(image.Env, sandbox.Hostname.Length > 0 ? sandbox.Hostname : nodeHostname, container.Env);

    /// <summary>CRI LinuxContainerResources as the kubelet computed them, set only where non-zero (containerd WithResources); no swap beyond the limit.</summary>
    public static Resources Resources(LinuxResources r, bool privileged, bool swapController) => new()
    {
        Devices = privileged ? [new() { Allow = true, Access = "rwm" }] : SpecDefaults.DenyAllDevices(),
        Cpu = new CpuResources
        {
            Shares = r.CpuShares > 0 ? (ulong)r.CpuShares : null,
            Quota = r.CpuQuota > 0 ? r.CpuQuota : null,
            Period = r.CpuPeriod > 0 ? (ulong)r.CpuPeriod : null,
            Cpus = r.CpusetCpus is { Length: > 0 } cpus ? cpus : null,
            Mems = r.CpusetMems is { Length: > 0 } mems ? mems : null,
        },
        Memory = r.MemoryLimitBytes > 0 ? new MemoryResources { Limit = r.MemoryLimitBytes, Swap = swapController ? r.MemoryLimitBytes : null } : null,
    };

    private static Dictionary<string, string> Annotations(IReadOnlyDictionary<string, string> given, Dictionary<string, string> ours)
    {
        var all = given.ToDictionary();
        foreach (var (key, value) in ours)
        {
            all[key] = value;
        }
        return all;
    }

    private static List<Oci.IdMapping>? Mappings(IdRange? range) =>
        range is { } r ? [new Oci.IdMapping { ContainerId = 0, HostId = r.Start, Size = r.Length }] : null;
}
