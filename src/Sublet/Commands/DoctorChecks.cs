using System.Diagnostics;
using k8s.Models;
using Sublet.IdMapping;
using Sublet.Kubernetes;
using Sublet.Kubernetes.Manifests;
using Sublet.Linux;
using Sublet.Linux.Filesystems;
using Sublet.Runtime.Config;
using Sublet.Kubelet.Pods;
using Sublet.Runtime.Pods;

namespace Sublet.Cli.Commands;

internal enum CheckStatus
{
    Pass,
    Warn,
    Fail,
}

/// <summary>One row of <c>sublet doctor</c>.</summary>
internal sealed record DoctorCheck(string Check, CheckStatus Status, string Detail, string Fix = "");

/// <summary>What doctor asks of the host; <see cref="LinuxDoctorHost"/> asks the real one, tests fake it.</summary>
internal interface IDoctorHost
{
    KernelVersion Kernel { get; }
    bool IsRoot { get; }

    /// <summary>Contents of a file, or null when it doesn't exist.</summary>
    string? ReadFile(string path);

    /// <summary>The files directly in a directory (full paths); none when it doesn't exist.</summary>
    IReadOnlyList<string> Files(string directory);

    /// <summary>A binary's absolute path (PATH lookup for a bare name), or null when missing.</summary>
    string? Find(string nameOrPath);

    /// <summary>The first line of <c>BINARY --version</c>.</summary>
    string Version(string binary);

    string? CrunRefusal();
    IdmapVerdict Idmap(string path);
    IdmapVerdict IdmapTmpfs();
    IdmapVerdict IdmapOverlay(string parent);
}

/// <summary>The checks of <c>sublet doctor</c> (issue 14 item 6): decisions only, every fact from <see cref="IDoctorHost"/>.</summary>
internal static class DoctorChecks
{
    public static List<DoctorCheck> Run(NodeConfig config, IDoctorHost host, Manifest? manifest)
    {
        var checks = new List<DoctorCheck>
        {
            Kernel(host.Kernel),
            UserNamespaces(host.ReadFile("/proc/sys/user/max_user_namespaces")),
            host.IsRoot ? new("root", CheckStatus.Pass, "running as root")
                : new("root", CheckStatus.Fail, "not running as root: sublet creates mounts and user namespaces", "run sublet as root"),
            Binary(host, "oci runtime", config.OciRuntime.Path is { Length: > 0 } p ? p : config.OciRuntime.Name, config.OciRuntime.Name, "or set ociRuntime.path"),
            Binary(host, "conmon", config.ConmonPath, "conmon", "or set conmonPath"),
            Binary(host, "catatonit", config.PauseBinary, "catatonit", "or set pauseBinary"),
            Pool(config, host),
        };
        var stateFs = Filesystem.NearestExisting(config.StateRoot);
        var stateDir = stateFs == Path.GetFullPath(config.StateRoot) ? $"state dir {config.StateRoot}" : $"state dir {config.StateRoot} (not created yet, probed {stateFs})";
        checks.Add(Probe(host, "idmap: state dir", () => host.Idmap(stateFs), stateDir));
        checks.Add(Probe(host, "idmap: tmpfs", host.IdmapTmpfs, "tmpfs"));
        // The image store may be a filesystem of its own (<stateRoot>/images): judged where the layers are.
        var layers = Path.Combine(config.StateRoot, "images", "layers");
        var layersFs = Filesystem.NearestExisting(layers);
        var mode = config.Rootfs.UserNamespaceMode;
        checks.Add(RootfsMode(mode, Probe(host, "idmap: image layers", () => host.Idmap(layersFs), $"image layers {layers}")));
        checks.Add(RootfsMode(mode, Probe(host, "idmap: overlay layers", () => host.IdmapOverlay(layersFs), "overlay over idmapped layers")));
        checks.Add(Crun(config, host));
        checks.AddRange(DoctorNetwork.Checks(config.Network, host));
        if (manifest is not null)
        {
            checks.AddRange(Volumes(config, host, manifest, stateFs));
        }
        return checks;
    }

    internal static DoctorCheck Kernel(KernelVersion kernel) =>
        kernel < IdmapRequirement.OverlayOverIdmappedLayers
            ? new("kernel", CheckStatus.Fail, $"Linux {kernel}: overlayfs over idmapped layers needs {IdmapRequirement.OverlayOverIdmappedLayers}", $"boot Linux {IdmapRequirement.Tmpfs} or later")
        : kernel < IdmapRequirement.Tmpfs
            ? new("kernel", CheckStatus.Warn, $"Linux {kernel}: tmpfs volumes (emptyDir medium Memory, secrets) can't be idmapped before {IdmapRequirement.Tmpfs}", $"boot Linux {IdmapRequirement.Tmpfs} or later")
        : new("kernel", CheckStatus.Pass, $"Linux {kernel}");

    internal static DoctorCheck UserNamespaces(string? maxUserNamespaces) =>
        maxUserNamespaces is null
            ? new("user namespaces", CheckStatus.Fail, "/proc/sys/user/max_user_namespaces is missing: the kernel has no user namespaces", "boot a kernel built with CONFIG_USER_NS")
        : long.TryParse(maxUserNamespaces.Trim(), System.Globalization.CultureInfo.InvariantCulture, out var max) && max > 0
            ? new("user namespaces", CheckStatus.Pass, $"user.max_user_namespaces = {max}")
        : new("user namespaces", CheckStatus.Fail, $"user.max_user_namespaces = {maxUserNamespaces.Trim()}: no user namespace can be created", "sysctl -w user.max_user_namespaces=15000");

    private static DoctorCheck Binary(IDoctorHost host, string check, string nameOrPath, string package, string orSet)
    {
        var path = host.Find(nameOrPath);
        if (path is null)
        {
            return new(check, CheckStatus.Fail, $"{nameOrPath} not found", $"apt-get install {package}, {orSet}");
        }
        try
        {
            return new(check, CheckStatus.Pass, $"{path}: {host.Version(path)}");
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return new(check, CheckStatus.Fail, $"{path} --version failed: {e.Message}", $"reinstall {package}");
        }
    }

    private static DoctorCheck Pool(NodeConfig config, IDoctorHost host)
    {
        try
        {
            var pool = PoolResolver.Resolve(host.ReadFile(config.SubUidPath), host.ReadFile(config.SubGidPath), (uint)config.UserNamespaces.IdsPerPod, config.MaxPods);
            var where = pool.Source == IdPool.DefaultSource
                ? $"no kubelet entries in {config.SubUidPath} and {config.SubGidPath}: default pool"
                : $"kubelet entries of {config.SubUidPath} and {config.SubGidPath}";
            return new("id pool", CheckStatus.Pass, $"{where}, first {pool.First}, {new SlotAllocator(pool).SlotCount} ranges of {pool.IdsPerPod} IDs for maxPods {config.MaxPods}");
        }
        catch (IdMappingException e)
        {
            var problems = e.Problems.Count > 0 ? $"{e.Message}: {string.Join("; ", e.Problems)}" : e.Message;
            return new("id pool", CheckStatus.Fail, problems,
                $"give user kubelet one range, the same in both files, a multiple of {config.UserNamespaces.IdsPerPod} starting at or above it, with at least {config.MaxPods} ranges (e.g. kubelet:65536:{(config.MaxPods + 1) * 65536L})");
        }
    }

    private static DoctorCheck Probe(IDoctorHost host, string check, Func<IdmapVerdict> probe, string what)
    {
        if (!host.IsRoot)
        {
            return new(check, CheckStatus.Warn, $"{what}: not probed, probing needs root", "run sublet doctor as root");
        }
        try
        {
            var verdict = probe();
            return verdict.Supported
                ? new(check, CheckStatus.Pass, $"{what}: {verdict.Reason}")
                : new(check, CheckStatus.Fail, $"{what}: {verdict.Reason}", verdict.Needed);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            return new(check, CheckStatus.Fail, $"{what}: probe failed: {e.Message}", "see the detail");
        }
    }

    /// <summary>
    /// A layer-store probe row read with rootfs.userNamespaceMode: where idmap fails, a chown-copy
    /// fallback still gives user-namespaced pods their root filesystem (a warning: slower starts, a
    /// copy per pod), while <c>idmap</c> refuses them (a failure). A forced chown copy is a warning
    /// even where idmap works. The pods' own files (state dir) need idmap in every mode.
    /// </summary>
    internal static DoctorCheck RootfsMode(string mode, DoctorCheck probe) => (probe.Status, mode) switch
    {
        (CheckStatus.Warn, _) => probe, // not probed
        (CheckStatus.Pass, RootfsConfig.ChownCopy) => probe with
        {
            Status = CheckStatus.Warn,
            Detail = $"{probe.Detail}; but rootfs.userNamespaceMode is {mode}: user-namespaced pods get a chown copy of their layers",
            Fix = $"set rootfs.userNamespaceMode: {RootfsConfig.Idmap} for idmapped layers (no copy)",
        },
        (CheckStatus.Pass, _) => probe,
        (_, RootfsConfig.ChownCopy or RootfsConfig.IdmapOrChownCopy) => probe with
        {
            Status = CheckStatus.Warn,
            Detail = $"{probe.Detail}; rootfs.userNamespaceMode is {mode}: user-namespaced pods get a chown copy of their layers",
        },
        _ => probe with
        {
            Detail = $"{probe.Detail}; rootfs.userNamespaceMode is {mode}: user-namespaced pods are refused",
            Fix = $"{probe.Fix}, or set rootfs.userNamespaceMode: {RootfsConfig.IdmapOrChownCopy}",
        },
    };

    private static DoctorCheck Crun(NodeConfig config, IDoctorHost host)
    {
        var configured = config.OciRuntime.Name == "crun";
        var refusal = host.CrunRefusal();
        if (refusal is not null)
        {
            return configured
                ? new("crun", CheckStatus.Fail, refusal, "set ociRuntime.name: runc")
                : new("crun", CheckStatus.Warn, $"{refusal} (runc is configured, so pods run)", "nothing while runc is used; for crun boot with a pure cgroup v2 hierarchy");
        }
        if (configured)
        {
            return new("crun", CheckStatus.Pass, "crun can run with this host's cgroup layout");
        }
        return host.Find("crun") is { } crun
            ? new("crun", CheckStatus.Pass, $"{crun} could run with this host's cgroup layout (not configured)")
            : new("crun", CheckStatus.Pass, "not installed (optional; runc is configured)");
    }

    /// <summary>
    /// Each volume of each pod, judged on the filesystem it would live on; a writable hostPath that
    /// a user-namespaced pod sees idmapped to host IDs is a warning too (<see cref="HostPathWarnings"/>).
    /// </summary>
    private static IEnumerable<DoctorCheck> Volumes(NodeConfig config, IDoctorHost host, Manifest manifest, string stateFs)
    {
        foreach (var pod in manifest.Pods)
        {
            var warnings = HostPathWarnings.For(pod, config.UserNamespaces.HostPathIdmap).ToDictionary(w => w.Volume);
            foreach (var volume in pod.Spec?.Volumes ?? [])
            {
                var row = Volume(config, host, pod, volume, stateFs);
                yield return warnings.TryGetValue(volume.Name, out var warning)
                    ? row with
                    {
                        Status = row.Status == CheckStatus.Fail ? CheckStatus.Fail : CheckStatus.Warn,
                        Detail = $"{row.Detail}; {warning.Message}",
                        Fix = row.Fix.Length == 0 ? warning.Fix : $"{row.Fix}; {warning.Fix}",
                    }
                    : row;
            }
        }
    }

    private static DoctorCheck Volume(NodeConfig config, IDoctorHost host, V1Pod pod, V1Volume volume, string stateFs)
    {
        var check = $"volume \"{volume.Name}\" ({pod.Metadata?.NamespaceProperty ?? "default"}/{pod.Metadata?.Name})";
        var (source, probe) = Source(volume, host, stateFs);
        if (pod.Spec?.HostUsers != false)
        {
            return new(check, CheckStatus.Pass, $"{source}: pod runs without a user namespace (hostUsers is not false), no idmap needed");
        }
        if (volume.HostPath is not null && config.UserNamespaces.HostPathIdmap == UserNamespacesConfig.PodIds)
        {
            return new(check, CheckStatus.Pass, $"{source}: not idmapped (userNamespaces.hostPathIdmap: {UserNamespacesConfig.PodIds}): the pod reads and writes as its own host IDs, host files show as nobody");
        }
        if (!host.IsRoot)
        {
            return new(check, CheckStatus.Warn, $"{source}: not probed, probing needs root", "run sublet doctor as root");
        }
        try
        {
            var verdict = probe();
            return verdict.Supported
                ? new(check, CheckStatus.Pass, $"{source}: {verdict.Reason}")
                : new(check, CheckStatus.Fail, verdict.VolumeError(volume.Name, source, host.Kernel), verdict.Needed);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or TimeoutException)
        {
            return new(check, CheckStatus.Fail, $"{source}: probe failed: {e.Message}", "see the detail");
        }
    }

    private static (string Source, Func<IdmapVerdict> Probe) Source(V1Volume volume, IDoctorHost host, string stateFs) => volume switch
    {
        { HostPath.Path: { } path } => ($"hostPath {path}", () => host.Idmap(Filesystem.NearestExisting(path))),
        { EmptyDir.Medium: "Memory" } => ("emptyDir, medium Memory", host.IdmapTmpfs),
        { EmptyDir: not null } => ("emptyDir", () => host.Idmap(stateFs)),
        { ConfigMap: not null } => ("configMap", () => host.Idmap(stateFs)),
        { Secret: not null } => ("secret (on tmpfs)", host.IdmapTmpfs),
        { DownwardAPI: not null } => ("downwardAPI (on tmpfs)", host.IdmapTmpfs),
        { Projected: not null } => ("projected (on tmpfs)", host.IdmapTmpfs),
        _ => ("unsupported volume type", () => throw new InvalidOperationException("Sublet doesn't support this volume type")),
    };
}

/// <summary>The real host: procfs, PATH, <c>--version</c>, <see cref="CgroupLayout"/> and <see cref="IdmapSupport"/> probes.</summary>
internal sealed class LinuxDoctorHost : IDoctorHost, IDisposable
{
    private readonly IdmapSupport _idmap = IdmapSupport.ForThisHost();

    public KernelVersion Kernel => _idmap.Kernel;
    public bool IsRoot => Linux.Processes.Posix.IsRoot;

    public string? ReadFile(string path) => File.Exists(path) ? File.ReadAllText(path) : null;

    public IReadOnlyList<string> Files(string directory) => Directory.Exists(directory) ? Directory.GetFiles(directory) : [];

    public string? Find(string nameOrPath) =>
        nameOrPath.Contains('/', StringComparison.Ordinal) ? File.Exists(nameOrPath) ? nameOrPath : null : RuntimeContext.Which(nameOrPath);

    public string Version(string binary)
    {
        var info = new ProcessStartInfo(binary, ["--version"]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{binary} did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            process.Kill();
            process.WaitForExit();
            throw new InvalidOperationException("no answer within 10 s");
        }
        var text = stdout.Trim().Length > 0 ? stdout : stderr.Result;
        return process.ExitCode == 0
            ? text.Split('\n')[0].Trim()
            : throw new InvalidOperationException($"exit code {process.ExitCode}: {text.Trim()}");
    }

    public string? CrunRefusal() => new CgroupLayout().CrunRefusal();
    public IdmapVerdict Idmap(string path) => _idmap.Check(path);
    public IdmapVerdict IdmapTmpfs() => _idmap.CheckTmpfs();
    public IdmapVerdict IdmapOverlay(string parent) => _idmap.CheckOverlayOverIdmappedLayers(parent);

    public void Dispose() => _idmap.Dispose();
}
