using System.Diagnostics;
using System.Net.Sockets;
using Grpc.Net.Client;
using Sublet.Cri.Api;

namespace Sublet.Bench;

/// <summary>
/// One pod through CRI the way the kubelet drives it (pkg/kubelet/kuberuntime SyncPod, then
/// killPodWithSyncResult): RunPodSandbox → CreateContainer → StartContainer → ContainerStatus says
/// running; then StopContainer → RemoveContainer → StopPodSandbox → RemovePodSandbox. The same
/// requests go to every runtime, through the project's own generated client over the Unix socket.
/// </summary>
internal sealed class CriClient : IDisposable
{
    private readonly GrpcChannel _channel;

    public CriClient(string socket)
    {
        Socket = socket;
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var s = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                    return new NetworkStream(s, ownsSocket: true);
                },
            },
        });
        Runtime = new RuntimeService.RuntimeServiceClient(_channel);
        Images = new ImageService.ImageServiceClient(_channel);
    }

    public string Socket { get; }
    public RuntimeService.RuntimeServiceClient Runtime { get; }
    public ImageService.ImageServiceClient Images { get; }

    /// <summary>True once something accepts connections on the socket.</summary>
    public static bool Listening(string socket)
    {
        if (!File.Exists(socket)) return false;
        try
        {
            using var probe = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            probe.Connect(new UnixDomainSocketEndPoint(socket));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static void WaitListening(string socket, Func<bool> exited, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!Listening(socket))
        {
            if (exited() || sw.Elapsed > TimeSpan.FromSeconds(60)) throw new InvalidOperationException($"{what}: no socket at {socket}");
            Thread.Sleep(50);
        }
    }

    public void Dispose() => _channel.Dispose();
}

/// <summary>What one pod asks for: host network (no CNI on either runtime), or a user namespace at <c>HostId</c>.</summary>
internal sealed record CriPodSpec(string Name, string Image, string[] Command, string LogDirectory, bool HostNetwork, uint? HostId)
{
    public PodSandboxConfig Sandbox()
    {
        var ns = new NamespaceOption { Network = HostNetwork ? NamespaceMode.Node : NamespaceMode.Pod, Pid = NamespaceMode.Container, Ipc = NamespaceMode.Pod };
        if (HostId is { } h)
        {
            var userns = new UserNamespace { Mode = NamespaceMode.Pod };
            userns.Uids.Add(new IDMapping { ContainerId = 0, HostId = h, Length = 65536 });
            userns.Gids.Add(new IDMapping { ContainerId = 0, HostId = h, Length = 65536 });
            ns.UsernsOptions = userns;
        }
        return new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = Name, Namespace = "bench", Uid = "uid-" + Name, Attempt = 0 },
            // A host-network pod keeps the node's UTS namespace: no hostname to set (runc refuses one without a private UTS namespace).
            Hostname = HostNetwork ? "" : Name,
            LogDirectory = LogDirectory,
            Linux = new LinuxPodSandboxConfig { CgroupParent = "", SecurityContext = new LinuxSandboxSecurityContext { NamespaceOptions = ns } },
        };
    }

    public ContainerConfig Container()
    {
        var c = new ContainerConfig { Metadata = new ContainerMetadata { Name = "main", Attempt = 0 }, Image = new ImageSpec { Image = Image }, LogPath = "main.log" };
        c.Command.Add(Command);
        c.Linux = new LinuxContainerConfig { SecurityContext = new LinuxContainerSecurityContext { NamespaceOptions = Sandbox().Linux.SecurityContext.NamespaceOptions } };
        return c;
    }
}

/// <summary>A running pod's ids and how long its start took.</summary>
internal sealed record CriPod(string SandboxId, string ContainerId, TimeSpan Start);

internal static class CriPodCycle
{
    /// <summary>Sandbox, container, start, until ContainerStatus says running (the kubelet's next look).</summary>
    public static CriPod Start(CriClient cri, CriPodSpec spec)
    {
        Directory.CreateDirectory(spec.LogDirectory);
        var sw = Stopwatch.StartNew();
        var config = spec.Sandbox();
        var sandbox = cri.Runtime.RunPodSandbox(new RunPodSandboxRequest { Config = config }).PodSandboxId;
        var container = cri.Runtime.CreateContainer(new CreateContainerRequest { PodSandboxId = sandbox, Config = spec.Container(), SandboxConfig = config }).ContainerId;
        cri.Runtime.StartContainer(new StartContainerRequest { ContainerId = container });
        var state = cri.Runtime.ContainerStatus(new ContainerStatusRequest { ContainerId = container }).Status.State;
        sw.Stop();
        if (state != ContainerState.ContainerRunning) throw new InvalidOperationException($"{cri.Socket}: container {container} is {state} after StartContainer");
        return new CriPod(sandbox, container, sw.Elapsed);
    }

    /// <summary>Stop (no grace: the kubelet's timeout 0) and remove the container, then the sandbox.</summary>
    public static TimeSpan Stop(CriClient cri, CriPod pod)
    {
        var sw = Stopwatch.StartNew();
        cri.Runtime.StopContainer(new StopContainerRequest { ContainerId = pod.ContainerId, Timeout = 0 });
        cri.Runtime.RemoveContainer(new RemoveContainerRequest { ContainerId = pod.ContainerId });
        cri.Runtime.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = pod.SandboxId });
        cri.Runtime.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = pod.SandboxId });
        return sw.Elapsed;
    }

    /// <summary>Removes every sandbox the runtime lists (cleanup after a failure).</summary>
    public static void RemoveAll(CriClient cri)
    {
        foreach (var s in cri.Runtime.ListPodSandbox(new ListPodSandboxRequest()).Items)
        {
            try
            {
                cri.Runtime.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = s.Id });
                cri.Runtime.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = s.Id });
            }
            catch (Grpc.Core.RpcException e)
            {
                Console.Error.WriteLine($"cleanup: sandbox {s.Id}: {e.Status.Detail}");
            }
        }
    }
}
