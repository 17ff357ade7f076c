using System.Text.Json;
using Grpc.Core;
using Sublet.Cri.Api;

namespace Sublet.Integration.Tests;

/// <summary>
/// <c>sublet serve</c> as the kubelet and crictl see it (issue 20 items 5–7): a real server on a
/// private socket with private state, driven by the project's gRPC client and by crictl v1.32.
/// </summary>
public sealed class ServeTests
{
    private const string Demo = "localhost/busybox:demo";

    [Fact]
    public void Runtime_service_answers_version_status_and_runtime_config()
    {
        using var env = new SubletEnv();
        using var server = CriServer.Start(env);

        var version = server.Runtime.Version(new VersionRequest { Version = "v1" });
        Assert.Equal(("sublet", "v1", "0.1.0"), (version.RuntimeName, version.RuntimeApiVersion, version.Version));

        var status = server.Runtime.Status(new StatusRequest { Verbose = true });
        Assert.True(status.Status.Conditions.Single(c => c.Type == "RuntimeReady").Status);
        var network = status.Status.Conditions.Single(c => c.Type == "NetworkReady");
        Assert.Equal((false, "NetworkPluginNotReady"), (network.Status, network.Reason));
        var handler = Assert.Single(status.RuntimeHandlers);
        Assert.Equal("", handler.Name);
        // Exactly when doctor's user-namespace probes pass on this node.
        Assert.Equal(DoctorSaysUserNamespacesWork(env), handler.Features.UserNamespaces);
        var config = JsonDocument.Parse(status.Info["config"]).RootElement;
        Assert.Equal(env.StateRoot, config.GetProperty("stateDir").GetString());

        Assert.Equal(CgroupDriver.Cgroupfs, server.Runtime.RuntimeConfig(new RuntimeConfigRequest()).Linux.CgroupDriver);
        server.Runtime.UpdateRuntimeConfig(new UpdateRuntimeConfigRequest
        {
            RuntimeConfig = new RuntimeConfig { NetworkConfig = new NetworkConfig { PodCidr = "10.88.0.0/16" } },
        });
        var missing = Assert.Throws<RpcException>(() => server.Runtime.Exec(new ExecRequest { ContainerId = "x", Cmd = { "true" }, Stdout = true }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);

        Assert.Equal(0, server.Stop());
        Assert.Contains("Pod CIDR from the kubelet: 10.88.0.0/16", server.Log);
    }

    [Fact]
    public void Image_service_lists_inspects_pulls_and_removes()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var withUid = TestImages.Load(env, "uid", [TestImages.RegularFile("marker", "uid"u8.ToArray())], user: "1002");
        using var server = CriServer.Start(env);

        var images = server.Images.ListImages(new ListImagesRequest()).Images;
        var demo = Assert.Single(images, i => i.RepoTags.Contains(Demo));
        Assert.StartsWith("sha256:", demo.Id);
        Assert.Single(demo.RepoDigests, d => d.StartsWith("localhost/busybox@sha256:", StringComparison.Ordinal));
        Assert.True(demo.Size > 0);

        var status = server.Images.ImageStatus(new ImageStatusRequest { Image = new ImageSpec { Image = withUid }, Verbose = true });
        Assert.Equal(1002, status.Image.Uid.Value);
        Assert.Contains("\"user\":\"1002\"", status.Info["info"]);
        Assert.Null(server.Images.ImageStatus(new ImageStatusRequest { Image = new ImageSpec { Image = "localhost/nothere:1" } }).Image);

        Assert.Equal(demo.Id, server.Images.PullImage(new PullImageRequest { Image = new ImageSpec { Image = Demo } }).ImageRef);
        // Nothing listens on port 1 of loopback: the pull fails naming the image and registry (no traffic leaves the machine).
        var missing = Assert.Throws<RpcException>(() => server.Images.PullImage(new PullImageRequest { Image = new ImageSpec { Image = "127.0.0.1:1/pause:3.10" } }));
        Assert.Equal(StatusCode.Internal, missing.StatusCode);
        Assert.Contains("pulling 127.0.0.1:1/pause:3.10 from 127.0.0.1:1", missing.Status.Detail);

        var fs = server.Images.ImageFsInfo(new ImageFsInfoRequest());
        var imageFs = Assert.Single(fs.ImageFilesystems);
        Assert.True(imageFs.UsedBytes.Value > 0 && imageFs.InodesUsed.Value > 0, imageFs.ToString());
        Assert.StartsWith("/", imageFs.FsId.Mountpoint);
        Assert.Single(fs.ContainerFilesystems);

        server.Images.RemoveImage(new RemoveImageRequest { Image = new ImageSpec { Image = withUid } });
        server.Images.RemoveImage(new RemoveImageRequest { Image = new ImageSpec { Image = withUid } }); // idempotent
        Assert.DoesNotContain(env.Ok("images").Stdout, "localhost/uid");
    }

    [Fact]
    public void PullImage_pulls_from_a_registry_with_the_credentials_the_kubelet_sends()
    {
        using var env = new SubletEnv();
        using var registry = new LocalRegistry(basicAuth: true);
        registry.Push(DemoImage.Layout, "demo/busybox", "1.0");
        using var server = CriServer.Start(env);
        var image = $"{registry.Domain}/demo/busybox:1.0";

        var refused = Assert.Throws<RpcException>(() => server.Images.PullImage(new PullImageRequest { Image = new ImageSpec { Image = image } }));
        Assert.Contains(registry.Domain, refused.Status.Detail);
        var pulled = server.Images.PullImage(new PullImageRequest { Image = new ImageSpec { Image = image }, Auth = new AuthConfig { Username = LocalRegistry.User, Password = LocalRegistry.Password } });

        Assert.StartsWith("sha256:", pulled.ImageRef);
        Assert.Contains(image, server.Images.ImageStatus(new ImageStatusRequest { Image = new ImageSpec { Image = image } }).Image.RepoTags);
        Assert.Contains(image, env.Ok("images").Stdout);
    }

    [Fact]
    public void Crictl_drives_the_server()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        var withUid = TestImages.Load(env, "uid", [TestImages.RegularFile("marker", "uid"u8.ToArray())], user: "1002");
        using var server = CriServer.Start(env);

        var version = server.Crictl("version");
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Contains("RuntimeName:  sublet", version.Stdout);
        Assert.Contains("RuntimeApiVersion:  v1", version.Stdout);

        var info = server.Crictl("info");
        Assert.True(info.ExitCode == 0, info.ToString());
        var json = JsonDocument.Parse(info.Stdout).RootElement;
        Assert.Equal(env.StateRoot, json.GetProperty("config").GetProperty("stateDir").GetString());
        Assert.Contains("NetworkPluginNotReady", info.Stdout);

        var list = server.Crictl("images");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Matches(@"localhost/busybox\s+demo\s+[0-9a-f]{13}", list.Stdout);

        var inspect = server.Crictl("inspecti", withUid);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        var image = JsonDocument.Parse(inspect.Stdout).RootElement.GetProperty("status");
        Assert.Equal("1002", image.GetProperty("uid").GetProperty("value").GetString());
        Assert.Equal(withUid, image.GetProperty("repoTags")[0].GetString());

        var fsinfo = server.Crictl("imagefsinfo");
        Assert.True(fsinfo.ExitCode == 0, fsinfo.ToString());
        Assert.Contains("mountpoint", fsinfo.Stdout);

        var rmi = server.Crictl("rmi", withUid);
        Assert.True(rmi.ExitCode == 0, rmi.ToString());
        Assert.DoesNotContain("localhost/uid", server.Crictl("images").Stdout);
        Assert.Contains("localhost/busybox", server.Crictl("images").Stdout);
    }

    [Fact]
    public void The_socket_is_root_only_a_second_server_is_refused_and_sigterm_removes_the_socket()
    {
        using var env = new SubletEnv();
        using var server = CriServer.Start(env);

        var status = Sublet.Linux.Files.FileStatus.Of(server.Socket);
        Assert.Equal((Sublet.Linux.Files.PathKind.Socket, 0b110_000_000u, 0u, 0u), (status.Kind, status.Mode, status.Uid, status.Gid));
        // `sublet serve` became subletd under its own PID: the process the caller started is the server.
        Assert.Equal("subletd", File.ReadAllText($"/proc/{server.Pid}/comm").Trim());

        var second = env.RunWithTimeout(TimeSpan.FromSeconds(60), "serve", "--listen", server.Socket);
        Assert.Equal(1, second.ExitCode);
        Assert.Equal($"Error: another sublet serve is already listening on {server.Socket} (it holds {server.Socket}.lock)\n", second.Stderr);
        Assert.Equal("sublet", server.Runtime.Version(new VersionRequest()).RuntimeName); // the first one is untouched

        Assert.Equal(0, server.Stop("TERM"));
        Assert.False(File.Exists(server.Socket), "SIGTERM left the socket behind");
        Assert.DoesNotContain(Directory.GetFileSystemEntries(Path.GetDirectoryName(server.Socket)!), e => !e.EndsWith(".lock", StringComparison.Ordinal));
    }

    [Fact]
    public void Serve_without_subletd_beside_sublet_says_what_is_missing()
    {
        using var env = new SubletEnv();
        var alone = Directory.CreateTempSubdirectory("sublet-alone-").FullName;
        try
        {
            // sublet's directory (its libraries too, for a JIT build) without subletd.
            var from = Path.GetDirectoryName(SubletEnv.Binary)!;
            Assert.True(File.Exists(Path.Combine(from, "subletd")), $"{from} has no subletd: build both (./sublet serve --help)");
            foreach (var file in Directory.EnumerateFiles(from).Where(f => !Path.GetFileName(f).StartsWith("subletd", StringComparison.Ordinal)))
            {
                File.Copy(file, Path.Combine(alone, Path.GetFileName(file)));
                File.SetUnixFileMode(Path.Combine(alone, Path.GetFileName(file)), File.GetUnixFileMode(file));
            }
            var binary = Path.Combine(alone, Path.GetFileName(SubletEnv.Binary));
            var result = Host.Run(binary, "--config", env.ConfigPath, "serve", "--listen", Path.Combine(alone, "s.sock"));
            Assert.Equal(1, result.ExitCode);
            Assert.Equal($"Error: sublet serve runs {Path.Combine(alone, "subletd")}, which is missing: it is built and installed with sublet (in a checkout, ./sublet serve builds it)\n", result.Stderr);
        }
        finally
        {
            Directory.Delete(alone, recursive: true);
        }
    }

    [Fact]
    public void An_idle_http2_connection_is_kept_open()
    {
        using var env = new SubletEnv();
        using var server = CriServer.Start(env);
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(server.Socket));
        // The HTTP/2 client preface and an empty SETTINGS frame (RFC 9113 §3.4), then nothing: an idle kubelet.
        socket.Send([.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, 0, 0, 0, 4, 0, 0, 0, 0, 0]);
        var frames = new List<byte>();
        var buffer = new byte[4096];
        var pending = new List<byte>();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        socket.ReceiveTimeout = 500;
        while (DateTime.UtcNow < deadline)
        {
            int read;
            try
            {
                read = socket.Receive(buffer);
            }
            catch (System.Net.Sockets.SocketException)
            {
                continue; // receive timeout: still open, nothing sent
            }
            Assert.True(read > 0, $"the server closed an idle connection; frame types before: [{string.Join(", ", frames)}]");
            pending.AddRange(buffer.AsSpan(0, read));
            while (pending.Count >= 9 && pending.Count >= 9 + ((pending[0] << 16) | (pending[1] << 8) | pending[2]))
            {
                frames.Add(pending[3]);
                pending.RemoveRange(0, 9 + ((pending[0] << 16) | (pending[1] << 8) | pending[2]));
            }
        }
        Assert.DoesNotContain((byte)7, frames); // GOAWAY
        Assert.Contains((byte)4, frames); // the server's SETTINGS: it did speak HTTP/2
    }

    [Fact]
    public async Task Metrics_count_calls_errors_userns_pods_and_refusals_on_a_loopback_port()
    {
        using var env = new SubletEnv();
        var port = FreePort();
        using var server = CriServer.Start(env, null, "--metrics-listen", $"127.0.0.1:{port}");
        server.Runtime.Version(new VersionRequest());
        var refused = Assert.Throws<RpcException>(() => server.Runtime.RunPodSandbox(new RunPodSandboxRequest
        {
            Config = Cri.Sandbox("m", null, Cri.Userns(NamespaceMode.Container)),
        }));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);

        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));

        Assert.Contains("sublet_cri_operations_total{method=\"Version\"} 1", text);
        Assert.Contains("sublet_cri_operation_errors_total{code=\"InvalidArgument\",method=\"RunPodSandbox\"} 1", text);
        Assert.Contains("sublet_userns_refusals_total{reason=\"unsupported_mode\"} 1", text);
        Assert.Contains("sublet_cri_operation_duration_seconds_count{method=\"Version\"} 1", text);
        Assert.Equal(1, server.Crictl("version").ExitCode == 0 ? 1 : 0);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public void A_stale_socket_of_a_killed_server_is_replaced_and_sigint_stops_cleanly()
    {
        using var env = new SubletEnv();
        string socket;
        using (var killed = CriServer.Start(env))
        {
            socket = killed.Socket;
            killed.Stop("KILL");
        }
        Assert.True(File.Exists(socket), "a killed server leaves its socket: the case under test");

        using var server = CriServer.Start(env, socket);
        Assert.Equal("sublet", server.Runtime.Version(new VersionRequest()).RuntimeName);
        Assert.Equal(0, server.Stop("INT"));
        Assert.False(File.Exists(socket));
    }

    [Fact]
    public void An_image_a_pod_uses_is_not_removed_over_cri_or_by_rmi()
    {
        using var env = new SubletEnv();
        env.LoadDemoImage();
        env.Ok("play", env.WriteManifest("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: user-of-demo
            spec:
              terminationGracePeriodSeconds: 1
              containers:
                - name: app
                  image: localhost/busybox:demo
                  command: [sleep, "300"]
            """));
        using var server = CriServer.Start(env);

        var refused = Assert.Throws<RpcException>(() => server.Images.RemoveImage(new RemoveImageRequest { Image = new ImageSpec { Image = Demo } }));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("container \"app\" of pod default/user-of-demo", refused.Status.Detail);
        var rmi = env.Run("rmi", Demo);
        Assert.Equal(1, rmi.ExitCode);
        Assert.Contains("is in use by container \"app\" of pod default/user-of-demo", rmi.Stderr);
        // play's container is the runtime core's too (issue 20 item 1), yet named once, and never to a kubelet.
        Assert.DoesNotContain("CRI pod", refused.Status.Detail + rmi.Stderr);
        Assert.Empty(server.Runtime.ListContainers(new ListContainersRequest()).Containers);
        using (var store = new Sublet.Runtime.State.StateStore(env.StateRoot))
        {
            Assert.Equal("app", Assert.Single(store.SandboxContainers()).Config.Name);
        }
        Assert.NotNull(server.Images.ImageStatus(new ImageStatusRequest { Image = new ImageSpec { Image = Demo } }).Image);

        env.Ok("down", "--grace-period", "0", "user-of-demo");
        server.Images.RemoveImage(new RemoveImageRequest { Image = new ImageSpec { Image = Demo } });
        Assert.Null(server.Images.ImageStatus(new ImageStatusRequest { Image = new ImageSpec { Image = Demo } }).Image);
    }

    /// <summary>doctor's rows for user namespaces (the probe <c>serve</c> reuses), read from its JSON whatever its exit code.</summary>
    private static bool DoctorSaysUserNamespacesWork(SubletEnv env)
    {
        var doctor = env.Run("doctor", "-o", "json");
        var rows = JsonDocument.Parse(doctor.Stdout).RootElement.EnumerateArray()
            .Select(r => (Check: r.GetProperty("check").GetString()!, Status: r.GetProperty("status").GetString()!)).ToList();
        string[] userns = ["kernel", "user namespaces", "root", "idmap: state dir", "idmap: tmpfs", "idmap: image layers", "idmap: overlay layers"];
        Assert.All(userns, check => Assert.Contains(rows, r => r.Check == check));
        return rows.Where(r => userns.Contains(r.Check)).All(r => r.Status != "fail");
    }
}
