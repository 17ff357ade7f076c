using System.CommandLine;
using Sublet.Cri;
using Sublet.Cri.Hosting;
using Sublet.Cri.Images;
using Sublet.Images;
using Sublet.Runtime;
using Sublet.Runtime.Config;

namespace Sublet.Cli.Commands;

/// <summary>
/// What <c>serve</c> does in <c>subletd</c> (<see cref="ServeCommand"/>): the CRI v1 server on a
/// Unix socket, in the foreground until SIGTERM or SIGINT, then its socket is removed.
/// </summary>
internal static class ServeHost
{
    public static int Run(ParseResult parse, string? listen, string? metrics) => Cli.Guard(() =>
    {
        var config = Cli.Config(parse);
        var metricsAt = metrics is { } m ? MetricsEndpoint(m) : null;
        if (!Linux.Processes.Posix.IsRoot)
        {
            throw new RuntimeFailure("sublet serve must run as root: it creates mounts and user namespaces, and its socket is root's");
        }
        var path = Path.GetFullPath(listen ?? Path.Combine(config.RunRoot, "sublet.sock"));
        var imagesRoot = Path.Combine(config.StateRoot, "images");
        var settings = new CriSettings(Path.GetFullPath(config.StateRoot), Path.GetFullPath(config.RunRoot), Path.GetFullPath(imagesRoot), config.OciRuntime.Name, path)
        {
            StreamingAddress = System.Net.IPAddress.Parse(config.Streaming.Address), StreamingPort = config.Streaming.Port,
        };
        var images = new StoreImageCatalog(new ImageStore(imagesRoot), config.StateRoot, Sublet.Runtime.Pods.RuntimeContext.PullOptionsFor(config));
        using var stop = new StopSignal();
        ServerSocket socket;
        try
        {
            socket = ServerSocket.Claim(path);
        }
        catch (InvalidOperationException e)
        {
            throw new RuntimeFailure(e.Message);
        }
        using (socket)
        {
            using var runtime = Sublet.Runtime.Pods.RuntimeContext.Create(config, exitHook: null);
            var app = CriHost.Build(settings, socket, images, new DoctorUserNamespaceProbe(config), new Sublet.Runtime.Sandboxes.RuntimeCore(runtime), metricsListen: metricsAt);
            CriHost.RunAsync(app, socket, stop.Token).GetAwaiter().GetResult();
        }
        return 0;
    });

    /// <summary>ADDRESS:PORT, IPv6 in brackets (<c>[::1]:9090</c>), as containerd's metrics address; a name is refused, so it is clear which interface listens.</summary>
    internal static System.Net.IPEndPoint MetricsEndpoint(string text) =>
        System.Net.IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port > 0 && text.Contains(':', StringComparison.Ordinal)
            ? endpoint
            : throw new RuntimeFailure($"--metrics-listen: Invalid value: \"{text}\": must be IP:PORT with a port from 1 to 65535, e.g. 127.0.0.1:9090 or [::1]:9090");
}

/// <summary>
/// <c>features.user_namespaces</c> for the CRI: true exactly when doctor's user-namespace checks
/// pass (kernel, user.max_user_namespaces, root, idmapped mounts of the state directory, tmpfs
/// and the image layers as rootfs.userNamespaceMode judges them). The binaries every pod needs
/// (runc, conmon, catatonit) are not user-namespace facts and are not asked here.
/// </summary>
internal sealed class DoctorUserNamespaceProbe(NodeConfig config) : IUserNamespaceProbe
{
    internal static readonly HashSet<string> Checks =
        ["kernel", "user namespaces", "root", "idmap: state dir", "idmap: tmpfs", "idmap: image layers", "idmap: overlay layers"];

    public UserNamespaceSupport Probe()
    {
        using var host = new LinuxDoctorHost();
        return Judge(DoctorChecks.Run(config, host, manifest: null));
    }

    internal static UserNamespaceSupport Judge(IEnumerable<DoctorCheck> checks)
    {
        var problems = checks.Where(c => Checks.Contains(c.Check) && c.Status == CheckStatus.Fail).Select(c => $"{c.Check}: {c.Detail}").ToList();
        return new UserNamespaceSupport(problems.Count == 0, problems);
    }
}
