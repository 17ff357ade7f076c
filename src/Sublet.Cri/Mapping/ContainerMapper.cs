using Sublet.Cri.Api;
using Sublet.IdMapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;
using CoreConfig = Sublet.Runtime.Sandboxes.ContainerConfig;
using CriConfig = Sublet.Cri.Api.ContainerConfig;

using CorePropagation = Sublet.Runtime.Sandboxes.MountPropagation;
using CoreResources = Sublet.Runtime.Sandboxes.LinuxResources;
using CoreSandbox = Sublet.Runtime.Sandboxes.SandboxConfig;

namespace Sublet.Cri.Mapping;

/// <summary>CRI ContainerConfig → <see cref="CoreConfig"/>, and container views → CRI messages.</summary>
public static class ContainerMapper
{
    public static CoreConfig ToConfig(CriConfig config, CoreSandbox sandbox)
    {
        var meta = config.Metadata ?? throw RuntimeError.Invalid("container config must include metadata");
        if (string.IsNullOrEmpty(meta.Name))
        {
            throw RuntimeError.Invalid("container config: metadata.name is empty");
        }
        if (config.Image is not { Image.Length: > 0 })
        {
            throw RuntimeError.Invalid($"container \"{meta.Name}\": image.image is empty");
        }
        if (config.CDIDevices.Count > 0)
        {
            // CDI_devices name devices a CDI spec (/etc/cdi, /var/run/cdi) describes; Sublet reads no CDI specs.
            throw RuntimeError.Invalid($"container \"{meta.Name}\": CDI devices ({string.Join(", ", config.CDIDevices.Select(d => d.Name))}) are not supported by Sublet: it reads no CDI specs; use devices (host_path, container_path, permissions)");
        }
        var security = config.Linux?.SecurityContext;
        if (security?.RunAsGroup is not null && security.RunAsUser is null && string.IsNullOrEmpty(security.RunAsUsername))
        {
            throw RuntimeError.Invalid($"container \"{meta.Name}\": user group is specified without user (run_as_group needs run_as_user or run_as_username)");
        }
        UsernsOptions.RequireSame(security?.NamespaceOptions?.UsernsOptions, sandbox.UserNamespace);
        return new CoreConfig
        {
            Name = meta.Name, Attempt = meta.Attempt, Image = config.Image.Image,
            Command = [.. config.Command], Args = [.. config.Args], WorkingDir = config.WorkingDir,
            Env = [.. config.Envs.Select(e => new KeyValuePair<string, string>(e.Key, e.Value))],
            Mounts = [.. config.Mounts.Select((m, i) => Mount(m, i, meta.Name, sandbox.UserNamespace))],
            Devices = [.. config.Devices.Select(d => new DeviceSpec(d.ContainerPath, d.HostPath, d.Permissions))],
            // log_path is relative to the sandbox's log_directory (CRI ContainerConfig.log_path).
            // log_path is relative to the sandbox's log_directory (api.proto); without one (crictl
            // sends none) Sublet's own log, never a path relative to serve's working directory.
            LogPath = config.LogPath is { Length: > 0 } log && sandbox.LogDirectory is { Length: > 0 } dir && Path.IsPathRooted(dir) ? Path.Combine(dir, log) : null,
            Stdin = config.Stdin, StdinOnce = config.StdinOnce, Tty = config.Tty,
            Labels = config.Labels.ToDictionary(), Annotations = config.Annotations.ToDictionary(),
            Security = security is null ? new ProcessSecurity() : Security(security),
            Resources = Resources(config.Linux?.Resources),
            StopSignal = config.StopSignal != Signal.RuntimeDefault ? config.StopSignal.ToString().ToUpperInvariant() : null,
        };
    }

    public static CoreResources Resources(LinuxContainerResources? r) => r is null ? new() : new()
    {
        CpuPeriod = r.CpuPeriod, CpuQuota = r.CpuQuota, CpuShares = r.CpuShares, MemoryLimitBytes = r.MemoryLimitInBytes,
        OomScoreAdj = r.OomScoreAdj, CpusetCpus = r.CpusetCpus, CpusetMems = r.CpusetMems,
    };

    private static MountSpec Mount(Api.Mount m, int index, string container, IdRange? userns)
    {
        var where = $"container \"{container}\" mount {index} ({m.HostPath} at {m.ContainerPath})";
        if (m.Image is { Image.Length: > 0 })
        {
            throw RuntimeError.Invalid($"{where}: image volumes are not supported by Sublet yet");
        }
        if (m.RecursiveReadOnly)
        {
            throw RuntimeError.Invalid($"{where}: recursive read-only mounts are not supported by this runtime handler (runc 1.1)");
        }
        var idmapped = m.UidMappings.Count > 0 || m.GidMappings.Count > 0;
        if (idmapped)
        {
            // The kubelet sends the pod's own mapping; Sublet idmaps into the pod's namespace, so nothing else can be honoured.
            var wanted = SandboxMapper.UserNamespace(userns);
            if (userns is null || !m.UidMappings.SequenceEqual(wanted.Uids) || !m.GidMappings.SequenceEqual(wanted.Gids))
            {
                throw RuntimeError.Invalid($"{where}: its uidMappings/gidMappings must be the pod's user namespace mapping ({UsernsOptions.Describe(userns)})");
            }
        }
        var propagation = m.Propagation switch
        {
            Api.MountPropagation.PropagationHostToContainer => CorePropagation.HostToContainer,
            Api.MountPropagation.PropagationBidirectional => CorePropagation.Bidirectional,
            _ => CorePropagation.None,
        };
        return new MountSpec(m.ContainerPath, m.HostPath, m.Readonly, propagation, idmapped);
    }

    private static ProcessSecurity Security(LinuxContainerSecurityContext s) => new()
    {
        Privileged = s.Privileged,
        AddCapabilities = [.. s.Capabilities?.AddCapabilities ?? []],
        DropCapabilities = [.. s.Capabilities?.DropCapabilities ?? []],
        RunAsUser = s.RunAsUser?.Value, RunAsGroup = s.RunAsGroup?.Value,
        RunAsUsername = s.RunAsUsername is { Length: > 0 } name ? name : null,
        SupplementalGroups = [.. s.SupplementalGroups],
        SupplementalGroupsPolicy = s.SupplementalGroupsPolicy == Api.SupplementalGroupsPolicy.Strict
            ? Sublet.Runtime.Sandboxes.SupplementalGroupsPolicy.Strict : Sublet.Runtime.Sandboxes.SupplementalGroupsPolicy.Merge,
        ReadOnlyRootfs = s.ReadonlyRootfs, NoNewPrivileges = s.NoNewPrivs,
        Seccomp = Seccomp(s.Seccomp),
        MaskedPaths = [.. s.MaskedPaths], ReadonlyPaths = [.. s.ReadonlyPaths],
    };

    /// <summary>No profile = unconfined (the kubelet with seccompDefault off sends none); RuntimeDefault is the enum's zero value.</summary>
    private static SeccompProfile Seccomp(SecurityProfile? profile) => profile?.ProfileType switch
    {
        null => SeccompProfile.Unconfined,
        SecurityProfile.Types.ProfileType.RuntimeDefault => SeccompProfile.RuntimeDefault,
        SecurityProfile.Types.ProfileType.Localhost => Localhost(profile.LocalhostRef),
        _ => SeccompProfile.Unconfined,
    };

    private static SeccompProfile Localhost(string path) =>
        Path.IsPathRooted(path) ? new SeccompProfile(SeccompProfileType.Localhost, path)
            : throw RuntimeError.Invalid($"seccomp localhost profile \"{path}\" must be an absolute path");

    public static ContainerStatus ToStatus(ContainerView view)
    {
        var e = view.Entry;
        var status = new ContainerStatus
        {
            Id = e.Id, Metadata = new ContainerMetadata { Name = e.Config.Name, Attempt = e.Config.Attempt },
            State = State(view.State), CreatedAt = Timestamps.Nanos(e.Created), StartedAt = Timestamps.Nanos(e.Started),
            FinishedAt = Timestamps.Nanos(view.Finished), ExitCode = view.ExitCode ?? 0,
            Image = new ImageSpec { Image = e.Config.Image, UserSpecifiedImage = e.Config.Image }, ImageRef = e.ImageId, ImageId = e.ImageId,
            Reason = view.Reason, Message = view.Message, LogPath = e.LogPath,
        };
        if (view.User is { } user)
        {
            // The groups the process holds: its primary group and the supplementary ones (containerd reports the same set).
            var linux = new LinuxContainerUser { Uid = user.Uid, Gid = user.Gid };
            linux.SupplementalGroups.Add(user.AdditionalGids.Append(user.Gid).Distinct().Order().Select(g => (long)g));
            status.User = new ContainerUser { Linux = linux };
        }
        status.Labels.Add(e.Config.Labels.ToDictionary());
        status.Annotations.Add(e.Config.Annotations.ToDictionary());
        status.Mounts.Add(e.Config.Mounts.Select(m => new Api.Mount
        {
            ContainerPath = m.ContainerPath, HostPath = m.HostPath, Readonly = m.ReadOnly,
            Propagation = m.Propagation switch
            {
                CorePropagation.HostToContainer => Api.MountPropagation.PropagationHostToContainer,
                CorePropagation.Bidirectional => Api.MountPropagation.PropagationBidirectional,
                _ => Api.MountPropagation.PropagationPrivate,
            },
        }));
        return status;
    }

    public static Container ToListItem(ContainerView view)
    {
        var e = view.Entry;
        var item = new Container
        {
            Id = e.Id, PodSandboxId = e.SandboxId, Metadata = new ContainerMetadata { Name = e.Config.Name, Attempt = e.Config.Attempt },
            Image = new ImageSpec { Image = e.Config.Image, UserSpecifiedImage = e.Config.Image }, ImageRef = e.ImageId, ImageId = e.ImageId,
            State = State(view.State), CreatedAt = Timestamps.Nanos(e.Created),
        };
        item.Labels.Add(e.Config.Labels.ToDictionary());
        item.Annotations.Add(e.Config.Annotations.ToDictionary());
        return item;
    }

    public static bool Matches(ContainerFilter? filter, ContainerView view) =>
        filter is null
        || ((filter.Id.Length == 0 || view.Entry.Id.StartsWith(filter.Id, StringComparison.Ordinal))
            && (filter.PodSandboxId.Length == 0 || view.Entry.SandboxId.StartsWith(filter.PodSandboxId, StringComparison.Ordinal))
            && (filter.State is null || filter.State.State == State(view.State))
            && LabelSelector.Matches(filter.LabelSelector, view.Entry.Config.Labels));

    internal static ContainerState State(CtrState state) => state switch
    {
        CtrState.Created => ContainerState.ContainerCreated,
        CtrState.Running => ContainerState.ContainerRunning,
        CtrState.Exited => ContainerState.ContainerExited,
        _ => ContainerState.ContainerUnknown,
    };
}
