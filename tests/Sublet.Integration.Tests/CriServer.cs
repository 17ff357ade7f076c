using System.Diagnostics;
using System.Net.Sockets;
using Grpc.Net.Client;
using Sublet.Cri.Api;

namespace Sublet.Integration.Tests;

/// <summary>
/// A real <c>sublet serve</c> on a private socket of a <see cref="SubletEnv"/>, with the project's
/// own gRPC clients and crictl pointed at it. Dispose kills the server if it still runs (a test
/// that failed half-way) and keeps what it printed for the failure message.
/// </summary>
internal sealed class CriServer : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;
    private GrpcChannel? _channel;

    private CriServer(SubletEnv env, string socket, string[] args)
    {
        Socket = socket;
        _process = env.Start(["serve", "--listen", socket, .. args]);
        _stderr = _process.StandardError.ReadToEndAsync();
        _process.StandardOutput.ReadToEndAsync();
    }

    public string Socket { get; }
    public int Pid => _process.Id;

    /// <summary>Starts the server and waits until its socket is there (published only once it listens).</summary>
    public static CriServer Start(SubletEnv env, string? socket = null, params string[] args)
    {
        var server = new CriServer(env, socket ?? Path.Combine(env.Root, "cri", "sublet.sock"), args);
        var deadline = Stopwatch.StartNew();
        while (!server.Listening())
        {
            if (server._process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                var why = server._process.HasExited ? $"exited with {server._process.ExitCode}" : "no socket after 60 s";
                server.Dispose();
                Assert.Fail($"sublet serve {why}: {server.Log}");
            }
            Thread.Sleep(100);
        }
        return server;
    }

    private bool Listening()
    {
        if (!File.Exists(Socket))
        {
            return false;
        }
        try
        {
            using var probe = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            probe.Connect(new UnixDomainSocketEndPoint(Socket));
            return true;
        }
        catch (SocketException)
        {
            return false; // a stale socket not yet replaced
        }
    }

    /// <summary>What the server wrote to stderr, once it has exited (the pipe's end can come a little after the exit).</summary>
    public string Log => _process.HasExited && _stderr.Wait(TimeSpan.FromSeconds(10)) ? _stderr.Result : "(still running)";

    public RuntimeService.RuntimeServiceClient Runtime => new(Channel);
    public ImageService.ImageServiceClient Images => new(Channel);

    private GrpcChannel Channel => _channel ??= GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(Socket), ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        },
    });

    /// <summary>crictl from ../shared/cri-tools against this server.</summary>
    public CliResult Crictl(params string[] args) =>
        Host.Run(CrictlPath, ["--runtime-endpoint", "unix://" + Socket, "--image-endpoint", "unix://" + Socket, "--timeout", "30s", .. args]);

    /// <summary>
    /// ../shared/cri-tools/bin/crictl beside the project (CI's layout); from a git worktree deeper
    /// down, the nearest ancestor's shared/ folder.
    /// </summary>
    public static string CrictlPath
    {
        get
        {
            for (var dir = Path.GetDirectoryName(DemoImage.RepoRoot()); dir is not null; dir = Path.GetDirectoryName(dir))
            {
                var candidate = Path.Combine(dir, "shared", "cri-tools", "bin", "crictl");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
            Assert.Fail($"crictl not found in shared/cri-tools/bin beside {DemoImage.RepoRoot()} or above: it comes with ../shared/cri-tools (see its README)");
            return "";
        }
    }

    /// <summary>Sends a signal by our own child's pid and waits for the server to exit; returns its exit code.</summary>
    public int Stop(string signal = "TERM")
    {
        Host.Run("kill", "-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(_process.WaitForExit(TimeSpan.FromSeconds(30)), $"sublet serve did not exit 30 s after SIG{signal}");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        _channel?.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
