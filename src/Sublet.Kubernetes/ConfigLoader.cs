using Sublet.IdMapping;
using Sublet.Runtime.Config;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using Sublet.Kubernetes.Yaml;

namespace Sublet.Kubernetes;

/// <summary>A configuration file that cannot be used; lists every problem.</summary>
public sealed class ConfigException(string message) : Exception(message);

/// <summary>Reads /etc/sublet/config.yaml (camelCase keys, as KubeletConfiguration). A missing default file means defaults.</summary>
public static class ConfigLoader
{
    public static NodeConfig Load(string? path) => Load(path, NodeConfig.DefaultPath);

    /// <summary><paramref name="path"/> when given (it must exist), else <paramref name="defaultPath"/> when it exists, else defaults.</summary>
    internal static NodeConfig Load(string? path, string defaultPath)
    {
        var explicitPath = path is not null;
        path ??= defaultPath;
        if (!File.Exists(path))
        {
            return explicitPath ? throw new ConfigException($"{path}: configuration file not found") : new NodeConfig();
        }
        NodeConfig config;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(path)));
            config = stream.Documents.FirstOrDefault()?.RootNode switch
            {
                YamlMappingNode root => ConfigReader.Read(root),
                null or YamlScalarNode { Value: "" or null } => new NodeConfig(),
                var other => throw new YamlJsonException(other.Start, "the configuration must be a mapping of fields"),
            };
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{path}: line {e.Start.Line}: {(e.InnerException ?? e).Message}");
        }
        catch (YamlJsonException e)
        {
            throw new ConfigException($"{path}: line {e.Start.Line}: {e.Message}");
        }
        var problems = Validate(config);
        return problems.Count == 0 ? config : throw new ConfigException($"{path}: {string.Join("; ", problems)}");
    }

    /// <summary>The feature gates of a loaded (so already validated) configuration.</summary>
    public static FeatureGates Gates(NodeConfig config) => FeatureGates.From(config.FeatureGates, new List<string>());

    /// <summary>Every problem of <paramref name="config"/>, each in the API's field form; empty when it can be used.</summary>
    public static List<string> Validate(NodeConfig config)
    {
        var problems = new List<string>();
        AbsolutePath(problems, "stateRoot", config.StateRoot);
        AbsolutePath(problems, "runRoot", config.RunRoot);
        if (config.OciRuntime.Name is not ("runc" or "crun")) problems.Add($"ociRuntime.name: Unsupported value: \"{config.OciRuntime.Name}\": supported values: \"runc\", \"crun\"");
        if (!string.IsNullOrEmpty(config.OciRuntime.Path)) AbsolutePath(problems, "ociRuntime.path", config.OciRuntime.Path);
        AbsolutePath(problems, "conmonPath", config.ConmonPath);
        AbsolutePath(problems, "pauseBinary", config.PauseBinary);
        AbsolutePath(problems, "subUidPath", config.SubUidPath);
        AbsolutePath(problems, "subGidPath", config.SubGidPath);
        if (config.SeccompProfileRoot is { Length: > 0 } seccomp) AbsolutePath(problems, "seccompProfileRoot", seccomp);
        // pkg/kubelet/apis/config/validation/validation_linux.go: idsPerPod ≥ 65536, a multiple of it, ≤ 2^32 − 1.
        var ids = config.UserNamespaces.IdsPerPod;
        var idsValid = ids >= 65536 && ids % 65536 == 0 && ids <= uint.MaxValue;
        if (!idsValid) problems.Add($"userNamespaces.idsPerPod: Invalid value: {ids}: must be a multiple of 65536, at least 65536 and below 2^32");
        if (!UserNamespacesConfig.HostPathIdmapModes.Contains(config.UserNamespaces.HostPathIdmap))
            problems.Add($"userNamespaces.hostPathIdmap: Unsupported value: \"{config.UserNamespaces.HostPathIdmap}\": supported values: {string.Join(", ", UserNamespacesConfig.HostPathIdmapModes.Select(m => $"\"{m}\""))}");
        if (config.ResolvConf is { Length: > 0 } resolv) AbsolutePath(problems, "resolvConf", resolv);
        for (var i = 0; i < (config.ClusterDns?.Length ?? 0); i++)
        {
            if (!System.Net.IPAddress.TryParse(config.ClusterDns![i], out _)) problems.Add($"clusterDns[{i}]: Invalid value: \"{config.ClusterDns[i]}\": must be a valid IP address");
        }
        if (!RootfsConfig.Modes.Contains(config.Rootfs.UserNamespaceMode))
            problems.Add($"rootfs.userNamespaceMode: Unsupported value: \"{config.Rootfs.UserNamespaceMode}\": supported values: {string.Join(", ", RootfsConfig.Modes.Select(m => $"\"{m}\""))}");
        problems.AddRange(Sublet.Runtime.Logs.LogPolicy.Problems(config));
        AbsolutePath(problems, "registries.authFile", config.Registries.AuthFile);
        if (config.Registries.MaxConcurrentDownloads is < 1 or > 32)
            problems.Add($"registries.maxConcurrentDownloads: Invalid value: {config.Registries.MaxConcurrentDownloads}: must be between 1 and 32");
        for (var i = 0; i < config.Registries.Insecure.Length; i++)
        {
            if (!Sublet.Images.ImageNames.IsDomain(config.Registries.Insecure[i]))
                problems.Add($"registries.insecure[{i}]: Invalid value: \"{config.Registries.Insecure[i]}\": must be a registry host[:port], such as 10.0.0.5:5000");
        }
        Mirrors(problems, config.Registries);
        if (!System.Net.IPAddress.TryParse(config.Streaming.Address, out _))
            problems.Add($"streaming.address: Invalid value: \"{config.Streaming.Address}\": must be an IP address, such as 127.0.0.1");
        if (config.Streaming.Port is < 0 or > 65535)
            problems.Add($"streaming.port: Invalid value: {config.Streaming.Port}: must be between 0 (any free port) and 65535");
        foreach (var (registry, file) in config.Registries.CaFiles ?? [])
        {
            if (!Sublet.Images.ImageNames.IsDomain(registry))
                problems.Add($"registries.caFiles[{registry}]: Invalid value: \"{registry}\": must be a registry host[:port], such as registry.example:5000");
            AbsolutePath(problems, $"registries.caFiles[{registry}]", file);
        }
        problems.AddRange(Sublet.Runtime.Network.DefaultNetwork.Problems(config.Network));
        if (config.MaxPods < 1) problems.Add($"maxPods: Invalid value: {config.MaxPods}: must be at least 1");
        FeatureGates.From(config.FeatureGates, problems);
        problems.AddRange(Admission.PodSecurityAdmission.ValidateDefaults(config.PodSecurity.Defaults));
        foreach (var ns in config.PodSecurity.Exemptions.Namespaces)
        {
            if (Manifests.Dns1123.Label(ns) is { } m) problems.Add($"podSecurity.exemptions.namespaces: Invalid value: \"{ns}\": {m}");
        }
        if (config.PodSecurity.AuditLog is { Length: > 0 } audit) AbsolutePath(problems, "podSecurity.auditLog", audit);
        if (idsValid && config.MaxPods >= 1) HostRange(config, problems);
        return problems;
    }

    /// <summary>The kubelet's host-range checks (subuid/subgid agreement, alignment, room for maxPods), done by PoolResolver.</summary>
    private static void HostRange(NodeConfig config, List<string> problems)
    {
        try
        {
            static string? Read(string path) => File.Exists(path) ? File.ReadAllText(path) : null;
            PoolResolver.Resolve(Read(config.SubUidPath), Read(config.SubGidPath), (uint)config.UserNamespaces.IdsPerPod, config.MaxPods);
        }
        catch (IdMappingException e)
        {
            problems.Add($"userNamespaces: {e.Message}");
        }
        catch (IOException e)
        {
            problems.Add($"userNamespaces: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            problems.Add($"userNamespaces: {e.Message}");
        }
    }

    /// <summary><c>registries.mirrors</c>: registry domains, each with mirror URLs the pull can use.</summary>
    private static void Mirrors(List<string> problems, RegistriesConfig registries)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (domain, urls) in registries.Mirrors ?? [])
        {
            var field = $"registries.mirrors[{domain}]";
            if (!Sublet.Images.ImageNames.IsDomain(domain))
                problems.Add($"{field}: Invalid value: \"{domain}\": must be a registry domain as image names start with it, such as registry.k8s.io or 10.0.0.5:5000");
            else if (!seen.Add(domain))
                problems.Add($"{field}: Duplicate value: \"{domain}\": registry domains are matched without regard to case");
            for (var i = 0; i < urls.Length; i++)
            {
                if (Sublet.Images.Registry.RegistryMirrors.Problem(urls[i] ?? "", registries.Insecure) is { } problem)
                    problems.Add($"{field}[{i}]: Invalid value: \"{urls[i]}\": {problem}");
            }
        }
    }

    private static void AbsolutePath(List<string> problems, string field, string value)
    {
        if (!Path.IsPathRooted(value)) problems.Add($"{field}: Invalid value: \"{value}\": must be an absolute path");
    }
}
