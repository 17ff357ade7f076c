using Sublet.Images;
using Sublet.Images.Registry;
using Sublet.Linux.Files;
using Sublet.Linux.Mounts;
using Sublet.Linux.Processes;
using Sublet.Runtime.Config;
using Sublet.Runtime.Monitor;
using Sublet.Runtime.Oci;
using Sublet.Runtime.Rootfs;
using Sublet.Runtime.State;

namespace Sublet.Runtime.Pods;

/// <summary>Everything the pod executor works with, built once per command (composition root: the CLI).</summary>
public sealed class RuntimeContext : IDisposable
{
    public required NodeConfig Config { get; init; }
    public required StateStore Store { get; init; }
    public required ImageStore Images { get; init; }
    public required IMounter Mounter { get; init; }
    /// <summary>subPath resolution and staged binds; the real calls unless a test swaps them.</summary>
    public IVolumeMounts VolumeMounts { get; init; } = new LinuxVolumeMounts();
    /// <summary>Reads the files the runtime takes from an image's rootfs (<see cref="ImageFiles"/>).</summary>
    public IRootedFiles RootedFiles { get; init; } = new LinuxRootedFiles();

    /// <summary>The host's device nodes as CRI Device requests name them.</summary>
    public IDeviceFiles DeviceFiles { get; init; } = new LinuxDeviceFiles();
    public required OciRuntime Oci { get; init; }
    public required Conmon Conmon { get; init; }
    public required ProcFs Proc { get; init; }
    /// <summary>What conmon runs when a container ends; null when a process of ours stays to sync the pods (<c>play --wait</c>).</summary>
    public ExitHook? ExitHook { get; set; }
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Makes and pins pods' network (and user) namespaces before their pause process starts.</summary>
    public Sublet.Linux.Namespaces.IPodNamespaces PodNamespaces { get; init; } = new Sublet.Linux.Namespaces.UnsharePodNamespaces();

    /// <summary>The pod network (CNI, or loopback only with network.mode none).</summary>
    public Network.PodNetwork Network => _network ??= new Network.PodNetwork(Config.Network, Config.StateRoot);

    private Network.PodNetwork? _network;

    /// <summary>How pods' images are pulled (node configuration <c>registries</c>).</summary>
    public PullOptions PullOptions { get; init; } = new();

    /// <summary>Where a finished pull is reported (stderr by default, beside the pods' start lines).</summary>
    public Action<string> PullLog { get; init; } = Console.Error.WriteLine;

    /// <summary>Where the runtime reports what the kubelet would record as Warning events (stderr, kubectl style, by default).</summary>
    public Action<string> Warn { get; init; } = message => Console.Error.WriteLine($"Warning: {message}");


    public RootfsBuilder Rootfs => new(Mounter);

    /// <summary>Idmapped layers or a chown copy (rootfs.userNamespaceMode); probes the layer store once per command.</summary>
    public RootfsPlanner RootfsPlanner => _rootfsPlanner ??= Sublet.Runtime.Rootfs.RootfsPlanner.ForThisHost(Config, Images.LayersRoot);

    public LayerCopies LayerCopies => new(Config.StateRoot);

    private RootfsPlanner? _rootfsPlanner;

    public PodPaths Paths(string podId) => new(Config.RunRoot, Config.StateRoot, podId);

    /// <summary>The usual wiring on a real host.</summary>
    public static RuntimeContext Create(NodeConfig config, ExitHook? exitHook)
    {
        var runner = new ProcessRunner();
        var runtimeBinary = config.OciRuntime.Path is { Length: > 0 } p ? p : Which(config.OciRuntime.Name)
            ?? throw new RuntimeFailure($"OCI runtime \"{config.OciRuntime.Name}\" not found on PATH; install it (apt-get install {config.OciRuntime.Name}) or set ociRuntime.path");
        return new RuntimeContext
        {
            Config = config,
            Store = new StateStore(config.StateRoot),
            Images = new ImageStore(Path.Combine(config.StateRoot, "images")),
            Mounter = new LinuxMounter(),
            Oci = new OciRuntime(config.OciRuntime.Name, runtimeBinary, PodPaths.RuncRoot(config.RunRoot), runner),
            Conmon = new Conmon(config.ConmonPath),
            Proc = new ProcFs(),
            ExitHook = exitHook,
            PullOptions = PullOptionsFor(config),
        };
    }

    public static PullOptions PullOptionsFor(NodeConfig config) => new()
    {
        AuthFile = config.Registries.AuthFile,
        InsecureRegistries = config.Registries.Insecure,
        MaxConcurrentDownloads = config.Registries.MaxConcurrentDownloads,
        Mirrors = (config.Registries.Mirrors ?? []).ToDictionary(m => m.Key, m => (IReadOnlyList<string>)(m.Value ?? [])),
        CaFiles = config.Registries.CaFiles ?? [],
    };

    public static string? Which(string name)
    {
        foreach (var dir in "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".Split(':'))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    public void Dispose() => Store.Dispose();
}
