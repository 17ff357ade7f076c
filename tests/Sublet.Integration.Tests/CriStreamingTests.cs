using System.Net;
using Sublet.Cri.Api;

namespace Sublet.Integration.Tests;

/// <summary>
/// CRI Exec and Attach through the streaming server (issue 25), driven by crictl v1.32 as an
/// operator would: SPDY/3.1, remote-command v4, a user-namespaced pod.
/// </summary>
public sealed class CriStreamingTests
{
    private const string Demo = "localhost/busybox:demo";

    /// <summary>crictl with its stdin fed from <paramref name="input"/> (printf format), optionally inside a terminal of <paramref name="rows"/>×<paramref name="cols"/> made by script(1).</summary>
    internal static CliResult Crictl(CriServer server, string input, (int Rows, int Cols)? terminal, params string[] args)
    {
        string[] crictl = [CriServer.CrictlPath, "--runtime-endpoint", "unix://" + server.Socket, "--timeout", "30s", .. args];
        if (terminal is { } size)
        {
            var line = string.Join(' ', crictl.Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
            return Host.Run("/bin/sh", "-c", "printf \"$0\" | script -qec \"stty rows $1 cols $2; $3\" /dev/null", input, $"{size.Rows}", $"{size.Cols}", line);
        }
        return Host.Run("/bin/sh", ["-c", "printf \"$0\" | \"$@\"", input, .. crictl]);
    }

    [Fact]
    public void Exec_and_attach_reach_the_container_with_its_user_namespace_exit_codes_terminals_and_stdin()
    {
        using var env = new SubletEnv("maxPods: 1");
        env.LoadDemoImage();
        var hostId = (uint)env.UsePrivatePool(1);
        using var server = CriServer.Start(env);
        var rt = server.Runtime;
        var sandboxId = rt.RunPodSandbox(new RunPodSandboxRequest { Config = Cri.Sandbox("stream", null, Cri.PodUserns(hostId, 65536)) }).PodSandboxId;
        var app = Cri.Container("app", Demo, ["sh", "-c", "echo started; read line; echo \"got $line\"; exit 5"], null);
        app.Stdin = true;
        app.StdinOnce = true;
        var id = rt.CreateContainer(new CreateContainerRequest { PodSandboxId = sandboxId, Config = app, SandboxConfig = Cri.Sandbox("stream", null, Cri.PodUserns(hostId, 65536)) }).ContainerId;
        rt.StartContainer(new StartContainerRequest { ContainerId = id });

        // Exec without a terminal: output, stderr apart, the exit code, the pod's user namespace.
        var exec = Crictl(server, "", null, "exec", id, "sh", "-c", "id -u; cat /proc/self/uid_map; echo oops >&2; exit 3");
        // crictl v1.32 itself exits 1 and names the code it got in the v4 status.
        Assert.True(exec.ExitCode == 1, exec.ToString());
        Assert.Contains("command terminated with exit code 3", exec.Stderr);
        Assert.Matches($@"^0\n\s+0\s+{hostId}\s+65536\n$", exec.Stdout);
        Assert.Contains("oops", exec.Stderr);

        // Exec with stdin: the process reads it to its end.
        var cat = Crictl(server, "one\\ntwo\\n", null, "exec", "-i", id, "cat");
        Assert.True(cat.ExitCode == 0, cat.ToString());
        Assert.Equal("one\ntwo\n", cat.Stdout);

        // Exec with a terminal: the process has one, of the client's size (the resize stream), and what is typed reaches it.
        var tty = Crictl(server, "echo typed\\nexit 4\\n", (33, 101), "exec", "-it", id, "sh", "-c", "tty; sleep 1; stty size; read x; echo \"read $x\"; exit 4");
        Assert.True(tty.Stdout.Contains("/dev/pts/", StringComparison.Ordinal), tty.ToString());
        Assert.Contains("33 101", tty.Stdout);
        Assert.Contains("read echo typed", tty.Stdout);

        // Attach: stdin reaches the main process, whose output comes back; it then exits.
        var attach = Crictl(server, "hello\\n", null, "attach", "-i", id);
        Assert.Contains("got hello", attach.Stdout);
        Cri.WaitFor(() => rt.ContainerStatus(new ContainerStatusRequest { ContainerId = id }).Status, s => s.State == ContainerState.ContainerExited);
        Assert.Equal(5, rt.ContainerStatus(new ContainerStatusRequest { ContainerId = id }).Status.ExitCode);

        // A container that no longer runs gets no URL.
        var refused = Assert.Throws<Grpc.Core.RpcException>(() => rt.Exec(new ExecRequest { ContainerId = id, Cmd = { "true" }, Stdout = true }));
        Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, refused.StatusCode);

        rt.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = sandboxId });
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
        env.AssertNoLeftovers();
    }

    [Fact]
    public async Task The_streaming_server_listens_on_loopback_and_serves_nothing_without_a_token()
    {
        var port = FreePort();
        using var env = new SubletEnv($"maxPods: 1\nstreaming: {{address: 127.0.0.1, port: {port}}}");
        env.LoadDemoImage();
        var hostId = (uint)env.UsePrivatePool(1);
        using var server = CriServer.Start(env);
        var rt = server.Runtime;
        var sandboxId = rt.RunPodSandbox(new RunPodSandboxRequest { Config = Cri.Sandbox("tokens", null, Cri.PodUserns(hostId, 65536)) }).PodSandboxId;
        var id = rt.CreateContainer(new CreateContainerRequest { PodSandboxId = sandboxId, Config = Cri.Container("c", Demo, ["sleep", "300"], null) }).ContainerId;
        rt.StartContainer(new StartContainerRequest { ContainerId = id });

        var url = new Uri(rt.Exec(new ExecRequest { ContainerId = id, Cmd = { "true" }, Stdout = true }).Url);
        Assert.Equal("http", url.Scheme);
        Assert.Equal(IPAddress.Loopback.ToString(), url.Host);
        Assert.Matches("^/exec/[A-Za-z0-9_-]{8}$", url.AbsolutePath);
        Assert.Equal(port, url.Port); // streaming.port
        var attachUrl = new Uri(rt.Attach(new AttachRequest { ContainerId = id, Stdout = true }).Url);
        Assert.Equal(url.Port, attachUrl.Port);
        Assert.Matches("^/attach/[A-Za-z0-9_-]{8}$", attachUrl.AbsolutePath);

        using var http = new HttpClient();
        foreach (var path in (string[])["/", "/exec/AAAAAAAA", "/attach/", "/portforward/x"])
        {
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(url, path))).StatusCode);
        }
        // A plain GET uses the token up (as upstream, whatever the request), then it is gone.
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(url)).StatusCode);

        // A client that goes away mid-stream: the exec'd process is killed, with a terminal or without.
        foreach (var tty in (string[])["--tty=false", "-it"])
        {
            // Its stdin a pipe the test keeps open; with -it, inside a terminal of script(1) (crictl wants one).
            string[] args = [CriServer.CrictlPath, "--runtime-endpoint", "unix://" + server.Socket, "exec", tty, id, "sh", "-c", "echo $$ > /tmp/exec.pid; exec sleep 300"];
            var info = tty == "-it"
                ? new System.Diagnostics.ProcessStartInfo("script", ["-qec", string.Join(' ', args.Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'")), "/dev/null"])
                : new System.Diagnostics.ProcessStartInfo(args[0], args[1..]);
            info.RedirectStandardInput = info.RedirectStandardOutput = info.RedirectStandardError = true;
            using var crictl = System.Diagnostics.Process.Start(info)!;
            var pid = "";
            for (var i = 0; i < 100 && pid.Length == 0 && !crictl.HasExited; i++)
            {
                Thread.Sleep(100);
                pid = rt.ExecSync(new ExecSyncRequest { ContainerId = id, Cmd = { "cat", "/tmp/exec.pid" }, Timeout = 10 }).Stdout.ToStringUtf8().Trim();
            }
            Assert.True(pid.Length > 0, $"crictl exec {tty}: {(crictl.HasExited ? crictl.StandardError.ReadToEnd() : "no pid file")}");
            Assert.Equal(0, rt.ExecSync(new ExecSyncRequest { ContainerId = id, Cmd = { "test", "-e", $"/proc/{pid}" }, Timeout = 10 }).ExitCode);
            crictl.Kill(entireProcessTree: true);
            crictl.WaitForExit();
            Cri.WaitFor(() => rt.ExecSync(new ExecSyncRequest { ContainerId = id, Cmd = { "test", "-e", $"/proc/{pid}" }, Timeout = 10 }).ExitCode, code => code != 0);
            rt.ExecSync(new ExecSyncRequest { ContainerId = id, Cmd = { "rm", "/tmp/exec.pid" }, Timeout = 10 });
        }

        var bad = Assert.Throws<Grpc.Core.RpcException>(() => rt.Exec(new ExecRequest { ContainerId = id, Cmd = { "sh" }, Tty = true, Stderr = true }));
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, bad.StatusCode);
        bad = Assert.Throws<Grpc.Core.RpcException>(() => rt.Attach(new AttachRequest { ContainerId = id }));
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, bad.StatusCode);
        var missing = Assert.Throws<Grpc.Core.RpcException>(() => rt.Exec(new ExecRequest { ContainerId = "nosuch", Cmd = { "true" }, Stdout = true }));
        Assert.Equal(Grpc.Core.StatusCode.NotFound, missing.StatusCode);

        rt.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = sandboxId });
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
        env.AssertNoLeftovers();
    }

    [Fact]
    public async Task Crictl_port_forward_reaches_a_server_on_the_pods_loopback()
    {
        using var env = new SubletEnv("maxPods: 1");
        env.LoadDemoImage();
        var hostId = (uint)env.UsePrivatePool(1);
        using var server = CriServer.Start(env);
        var rt = server.Runtime;
        var sandboxId = rt.RunPodSandbox(new RunPodSandboxRequest { Config = Cri.Sandbox("forward", null, Cri.PodUserns(hostId, 65536)) }).PodSandboxId;
        // busybox httpd bound to the pod's loopback only: reachable from inside its network namespace alone.
        var id = rt.CreateContainer(new CreateContainerRequest
        {
            PodSandboxId = sandboxId,
            Config = Cri.Container("web", Demo, ["sh", "-c", "mkdir -p /www && echo hello-from-pod > /www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /www"], null),
        }).ContainerId;
        rt.StartContainer(new StartContainerRequest { ContainerId = id });

        await Forwards(server, sandboxId, 8080, "hello-from-pod\n");

        rt.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = sandboxId });
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
        env.AssertNoLeftovers();
    }

    /// <summary>
    /// crictl port-forward (with <paramref name="options"/>) from a free local port to
    /// <paramref name="remote"/> in the sandbox: /index.html is <paramref name="page"/> once crictl
    /// listens, then five times at once; crictl is killed at the end.
    /// </summary>
    internal static async Task Forwards(CriServer server, string sandboxId, int remote, string page, params string[] options)
    {
        int local;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            local = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var info = new System.Diagnostics.ProcessStartInfo(CriServer.CrictlPath)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in (string[])["--runtime-endpoint", "unix://" + server.Socket, "port-forward", .. options, sandboxId, $"{local}:{remote}"])
        {
            info.ArgumentList.Add(a);
        }
        using var crictl = System.Diagnostics.Process.Start(info)!;
        var crictlErr = crictl.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            string? first = null;
            for (var i = 0; i < 100 && first is null && !crictl.HasExited; i++)
            {
                try
                {
                    first = await http.GetStringAsync(new Uri($"http://127.0.0.1:{local}/index.html"));
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100);
                }
            }
            Assert.True(first == page, $"page {first}; crictl: {(crictl.HasExited ? await crictlErr : "running")}");
            // Several connections, one after the other and at once.
            var pages = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => http.GetStringAsync(new Uri($"http://127.0.0.1:{local}/index.html"))));
            Assert.All(pages, p => Assert.Equal(page, p));
        }
        finally
        {
            crictl.Kill();
            await crictl.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
