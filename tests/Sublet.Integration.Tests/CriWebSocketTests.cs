using Sublet.Cri.Api;

namespace Sublet.Integration.Tests;

/// <summary>
/// The streaming server's WebSocket side (issue 25) as crictl v1.32 uses it with
/// <c>-r websocket</c>: remote command v5, port forwarding as SPDY tunnelled in WebSocket messages.
/// </summary>
public sealed class CriWebSocketTests
{
    private const string Demo = "localhost/busybox:demo";

    private static CliResult Crictl(CriServer server, string input, (int Rows, int Cols)? terminal, params string[] args) =>
        CriStreamingTests.Crictl(server, input, terminal, args);

    [Fact]
    public async Task Crictl_over_websocket_execs_attaches_and_forwards_ports()
    {
        using var env = new SubletEnv("maxPods: 1");
        env.LoadDemoImage();
        var hostId = (uint)env.UsePrivatePool(1);
        using var server = CriServer.Start(env);
        var rt = server.Runtime;
        var sandboxConfig = Cri.Sandbox("ws", null, Cri.PodUserns(hostId, 65536));
        var sandboxId = rt.RunPodSandbox(new RunPodSandboxRequest { Config = sandboxConfig }).PodSandboxId;
        var app = Cri.Container("app", Demo, ["sh", "-c", "echo started; read line; echo \"got $line\"; exit 5"], null);
        app.Stdin = true;
        app.StdinOnce = true;
        var id = rt.CreateContainer(new CreateContainerRequest { PodSandboxId = sandboxId, Config = app, SandboxConfig = sandboxConfig }).ContainerId;
        rt.StartContainer(new StartContainerRequest { ContainerId = id });
        var web = rt.CreateContainer(new CreateContainerRequest
        {
            PodSandboxId = sandboxId, SandboxConfig = sandboxConfig,
            Config = Cri.Container("web", Demo, ["sh", "-c", "mkdir -p /www && echo hello-over-ws > /www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /www"], null),
        }).ContainerId;
        rt.StartContainer(new StartContainerRequest { ContainerId = web });

        var exec = Crictl(server, "", null, "exec", "-r", "websocket", id, "sh", "-c", "id -u; cat /proc/self/uid_map; echo oops >&2; exit 3");
        Assert.True(exec.ExitCode == 1, exec.ToString());
        Assert.Contains("command terminated with exit code 3", exec.Stderr);
        Assert.Matches($@"^0\n\s+0\s+{hostId}\s+65536\n$", exec.Stdout);
        Assert.Contains("oops", exec.Stderr);

        // stdin to its end: client-go ends it with v5's close signal.
        var cat = Crictl(server, "one\\ntwo\\n", null, "exec", "-r", "websocket", "-i", id, "cat");
        Assert.True(cat.ExitCode == 0, cat.ToString());
        Assert.Equal("one\ntwo\n", cat.Stdout);

        var tty = Crictl(server, "echo typed\\nexit 4\\n", (33, 101), "exec", "-r", "websocket", "-it", id, "sh", "-c", "tty; sleep 1; stty size; read x; echo \"read $x\"; exit 4");
        Assert.True(tty.Stdout.Contains("/dev/pts/", StringComparison.Ordinal), tty.ToString());
        Assert.Contains("33 101", tty.Stdout);
        Assert.Contains("read echo typed", tty.Stdout);

        var attach = Crictl(server, "hello\\n", null, "attach", "-r", "websocket", "-i", id);
        Assert.True(attach.Stdout.Contains("got hello", StringComparison.Ordinal), attach.ToString());
        Cri.WaitFor(() => rt.ContainerStatus(new ContainerStatusRequest { ContainerId = id }).Status, s => s.State == ContainerState.ContainerExited);
        Assert.Equal(5, rt.ContainerStatus(new ContainerStatusRequest { ContainerId = id }).Status.ExitCode);

        await CriStreamingTests.Forwards(server, sandboxId, 8080, "hello-over-ws\n", "-r", "websocket");

        rt.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = sandboxId });
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
        env.AssertNoLeftovers();
    }
}
