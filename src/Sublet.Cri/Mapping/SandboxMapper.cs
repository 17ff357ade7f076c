using Sublet.Cri.Api;
using Sublet.IdMapping;
using Sublet.Runtime;
using Sublet.Runtime.Sandboxes;

using CorePropagation = Sublet.Runtime.Sandboxes.MountPropagation;
using CoreResources = Sublet.Runtime.Sandboxes.LinuxResources;
using CoreSandbox = Sublet.Runtime.Sandboxes.SandboxConfig;

namespace Sublet.Cri.Mapping;

/// <summary>PodSandboxConfig → <see cref="SandboxConfig"/> and the sandbox's views → CRI messages. Thin: checks what CRI requires and maps.</summary>
public static class SandboxMapper
{
    public static CoreSandbox ToConfig(PodSandboxConfig config)
    {
        var meta = config.Metadata ?? throw RuntimeError.Invalid("sandbox config must include metadata");
        Require(meta.Name, "metadata.name");
        Require(meta.Namespace, "metadata.namespace");
        Require(meta.Uid, "metadata.uid");
        var security = config.Linux?.SecurityContext;
        var options = security?.NamespaceOptions;
        var userns = UsernsOptions.Parse(options?.UsernsOptions);
        var network = Scope(options?.Network ?? NamespaceMode.Pod, "network");
        var pid = Scope(options?.Pid ?? NamespaceMode.Pod, "pid");
        var ipc = Scope(options?.Ipc ?? NamespaceMode.Pod, "ipc");
        // The node's network is allowed: the kubelet sends it only with the UserNamespacesHostNetworkSupport
        // gate on (KEP-127), and the pod then gets the node's /sys read-only (CoreSpecs.NodeSysfs). The
        // node's PID or IPC namespace the kubelet never pairs with a user namespace (validation of hostUsers).
        if (userns is not null && (pid == NamespaceScope.Node || ipc == NamespaceScope.Node))
        {
            throw RuntimeError.Invalid("a pod with its own user namespace (userns_options mode POD) can't use the host's PID or IPC namespace");
        }
        return new CoreSandbox
        {
            Name = meta.Name, Namespace = meta.Namespace, Uid = meta.Uid, Attempt = meta.Attempt,
            // No hostname: the pod keeps the node's, as with containerd (no sethostname; /etc/hostname says the node's).
            Hostname = config.Hostname,
            LogDirectory = config.LogDirectory is { Length: > 0 } logs ? logs : null,
            Dns = config.DnsConfig is { } dns ? new DnsSettings([.. dns.Servers], [.. dns.Searches], [.. dns.Options]) : DnsSettings.None,
            Labels = config.Labels.ToDictionary(), Annotations = config.Annotations.ToDictionary(),
            CgroupParent = config.Linux?.CgroupParent is { Length: > 0 } parent ? parent : null,
            UserNamespace = userns,
            Network = network, Pid = pid, Ipc = ipc,
            Privileged = security?.Privileged ?? false,
            PortMappings = [.. config.PortMappings.Select(p => new Sublet.Runtime.Network.PortMapping(
                p.Protocol.ToString().ToUpperInvariant(), p.ContainerPort, p.HostPort, p.HostIp))],
            Sysctls = config.Linux?.Sysctls.ToDictionary() ?? [],
            Owner = Owner.Cri,
        };
    }

    public static PodSandboxStatus ToStatus(SandboxView view)
    {
        var c = view.Entry.Config;
        var status = new PodSandboxStatus
        {
            Id = view.Entry.Id, Metadata = Metadata(c), State = State(view.State), CreatedAt = Timestamps.Nanos(view.Entry.Created),
            // The pod's addresses from its CNI result; none (empty) for host network or network.mode none.
            Network = new PodSandboxNetworkStatus { Ip = view.Ips.FirstOrDefault() ?? "", AdditionalIps = { view.Ips.Skip(1).Select(ip => new PodIP { Ip = ip }) } },
            Linux = new LinuxPodSandboxStatus { Namespaces = new Namespace { Options = NamespaceOptions(c) } },
            RuntimeHandler = "",
        };
        status.Labels.Add(c.Labels.ToDictionary());
        status.Annotations.Add(c.Annotations.ToDictionary());
        return status;
    }

    public static PodSandbox ToListItem(SandboxView view)
    {
        var c = view.Entry.Config;
        var item = new PodSandbox
        {
            Id = view.Entry.Id, Metadata = Metadata(c), State = State(view.State), CreatedAt = Timestamps.Nanos(view.Entry.Created), RuntimeHandler = "",
        };
        item.Labels.Add(c.Labels.ToDictionary());
        item.Annotations.Add(c.Annotations.ToDictionary());
        return item;
    }

    public static bool Matches(PodSandboxFilter? filter, SandboxView view) =>
        filter is null
        || ((filter.Id.Length == 0 || view.Entry.Id.StartsWith(filter.Id, StringComparison.Ordinal))
            && (filter.State is null || filter.State.State == State(view.State))
            && LabelSelector.Matches(filter.LabelSelector, view.Entry.Config.Labels));

    /// <summary>The options the sandbox runs with, as the kubelet reads them back (userns_options included).</summary>
    public static NamespaceOption NamespaceOptions(CoreSandbox c)
    {
        var options = new NamespaceOption { Network = Mode(c.Network), Pid = Mode(c.Pid), Ipc = Mode(c.Ipc), UsernsOptions = UserNamespace(c.UserNamespace) };
        return options;
    }

    public static UserNamespace UserNamespace(IdRange? range)
    {
        if (range is not { } r)
        {
            return new UserNamespace { Mode = NamespaceMode.Node };
        }
        var userns = new UserNamespace { Mode = NamespaceMode.Pod };
        userns.Uids.Add(new IDMapping { ContainerId = 0, HostId = r.Start, Length = r.Length });
        userns.Gids.Add(new IDMapping { ContainerId = 0, HostId = r.Start, Length = r.Length });
        return userns;
    }

    private static PodSandboxMetadata Metadata(CoreSandbox c) =>
        new() { Name = c.Name, Namespace = c.Namespace, Uid = c.Uid, Attempt = c.Attempt };

    internal static PodSandboxState State(SandboxState state) =>
        state == SandboxState.Ready ? PodSandboxState.SandboxReady : PodSandboxState.SandboxNotready;

    private static NamespaceScope Scope(NamespaceMode mode, string which) => mode switch
    {
        NamespaceMode.Pod => NamespaceScope.Pod,
        NamespaceMode.Container => which == "pid" ? NamespaceScope.Container : NamespaceScope.Pod,
        NamespaceMode.Node => NamespaceScope.Node,
        _ => throw RuntimeError.Invalid($"namespace_options.{which}: mode TARGET is not supported"),
    };

    private static NamespaceMode Mode(NamespaceScope scope) => scope switch
    {
        NamespaceScope.Container => NamespaceMode.Container,
        NamespaceScope.Node => NamespaceMode.Node,
        _ => NamespaceMode.Pod,
    };

    private static void Require(string value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw RuntimeError.Invalid($"sandbox config: {field} is empty");
        }
    }
}
