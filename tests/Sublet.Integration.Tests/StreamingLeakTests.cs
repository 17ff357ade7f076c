using System.Net.WebSockets;
using System.Text;
using Sublet.Cri.Api;

namespace Sublet.Integration.Tests;

/// <summary>
/// The streaming server under load and bad luck (issue 25 item 7): many exec sessions at once
/// whose clients go, and a container gone between the URL and the connection. A WebSocket client
/// of the test's own keeps fifty sessions cheap (crictl is a process each).
/// </summary>
public sealed class StreamingLeakTests
{
    private const string Demo = "localhost/busybox:demo";

    /// <summary>Processes whose command line is <paramref name="argv"/> exactly.</summary>
    private static int Count(params string[] argv)
    {
        var wanted = string.Join('\0', argv) + "\0";
        var n = 0;
        foreach (var dir in Directory.GetDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            try
            {
                n += File.ReadAllText(Path.Combine(dir, "cmdline")) == wanted ? 1 : 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }
        return n;
    }

    private static int Children(int pid) =>
        Directory.GetDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)).Count(d =>
        {
            try
            {
                return File.ReadLines(Path.Combine(d, "status")).Any(l => l == $"PPid:\t{pid}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        });

    private static void WaitFor(string what, Func<int> read, Func<int, bool> done, Func<string>? describe = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        int value;
        while (!done(value = read()))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}: not within 60 s, last {value} {describe?.Invoke()}");
            Thread.Sleep(100);
        }
    }

    /// <summary>What the descriptors of <paramref name="pid"/> are, counted by kind.</summary>
    private static string Describe(int pid) => string.Join(", ", Directory.GetFiles($"/proc/{pid}/fd")
        .Select(f => new FileInfo(f).LinkTarget ?? "?").Select(t => t.Contains(':', StringComparison.Ordinal) ? t[..t.IndexOf(':', StringComparison.Ordinal)] : t)
        .GroupBy(t => t).Select(g => $"{g.Key} x{g.Count()}"));

    /// <summary>
    /// The descriptors of <paramref name="pid"/>, less those on the state database file itself:
    /// SQLite's unix VFS keeps a closed connection's descriptor open for reuse while the process
    /// still holds a lock on that file (os_unix.c, unixClose: "unused" descriptors), so how many
    /// there are follows the peak of concurrent connections, not what a session left. A
    /// connection left open still shows, by its -wal descriptor.
    /// </summary>
    private static int Fds(int pid) =>
        Directory.GetFiles($"/proc/{pid}/fd").Count(f => !(new FileInfo(f).LinkTarget ?? "").EndsWith("/state.db", StringComparison.Ordinal));

    private static async Task<ClientWebSocket> Open(RuntimeService.RuntimeServiceClient rt, ExecRequest request)
    {
        var url = rt.Exec(request).Url.Replace("http://", "ws://", StringComparison.Ordinal);
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("v5.channel.k8s.io");
        await socket.ConnectAsync(new Uri(url), CancellationToken.None);
        return socket;
    }

    /// <summary>The text of channel <paramref name="channel"/> until <paramref name="until"/> shows (or the connection ends).</summary>
    private static async Task<string> Read(ClientWebSocket socket, byte channel, string until)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var text = new StringBuilder();
        var buffer = new byte[64 * 1024];
        while (!text.ToString().Contains(until, StringComparison.Ordinal))
        {
            var result = await socket.ReceiveAsync(buffer, cancel.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }
            if (result.Count > 0 && buffer[0] == channel)
            {
                text.Append(Encoding.UTF8.GetString(buffer, 1, result.Count - 1));
            }
        }
        return text.ToString();
    }

    /// <summary>Fifty sessions at once, each running until its client goes: half close, half drop the connection.</summary>
    private static async Task Round(RuntimeService.RuntimeServiceClient rt, ExecRequest request, string[] sleeper)
    {
        var sessions = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < 50; i++)
            {
                sessions.Add(await Open(rt, request));
            }
            foreach (var session in sessions)
            {
                Assert.Contains("ready", await Read(session, 1, "ready"));
            }
            WaitFor("50 sleeping exec'd processes", () => Count(sleeper), n => n == 50); // "ready" comes just before the exec
        }
        finally
        {
            for (var i = 0; i < sessions.Count; i++)
            {
                if (i % 2 == 0)
                {
                    await sessions[i].CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                }
                else
                {
                    sessions[i].Abort();
                }
                sessions[i].Dispose();
            }
        }
        WaitFor("no exec'd process left", () => Count(sleeper), n => n == 0);
    }

    /// <summary>The value once it has not changed for two seconds.</summary>
    private static int Settled(Func<int> read)
    {
        var value = read();
        for (var stable = 0; stable < 20; stable++)
        {
            Thread.Sleep(100);
            var next = read();
            stable = next == value ? stable : 0;
            value = next;
        }
        return value;
    }

    [Fact]
    public async Task Fifty_exec_sessions_at_once_leave_no_process_or_descriptor_when_their_clients_go()
    {
        using var env = new SubletEnv("maxPods: 1");
        env.LoadDemoImage();
        var hostId = (uint)env.UsePrivatePool(1);
        using var server = CriServer.Start(env);
        var rt = server.Runtime;
        var sandboxConfig = Cri.Sandbox("fifty", null, Cri.PodUserns(hostId, 65536));
        var sandboxId = rt.RunPodSandbox(new RunPodSandboxRequest { Config = sandboxConfig }).PodSandboxId;
        var id = rt.CreateContainer(new CreateContainerRequest { PodSandboxId = sandboxId, SandboxConfig = sandboxConfig, Config = Cri.Container("c", Demo, ["sleep", "3000"], null) }).ContainerId;
        rt.StartContainer(new StartContainerRequest { ContainerId = id });
        string[] sleeper = ["sleep", "7777"];
        ExecRequest Request() => new() { ContainerId = id, Cmd = { "sh", "-c", "echo ready; exec sleep 7777" }, Stdout = true };

        // A first round brings serve to its steady state (the streaming server's listener, pooled
        // database connections, runtime threads); the second must leave it where the first did.
        await Round(rt, Request(), sleeper);
        var children = Children(server.Pid);
        var fds = Settled(() => Fds(server.Pid));
        await Round(rt, Request(), sleeper);
        WaitFor($"serve's children back to {children}", () => Children(server.Pid), n => n <= children);
        WaitFor($"serve's descriptors back to {fds}", () => Fds(server.Pid), n => n <= fds, () => Describe(server.Pid));

        // A container gone between the URL and the connection: the stream ends with the error.
        var late = rt.Exec(Request()).Url.Replace("http://", "ws://", StringComparison.Ordinal);
        rt.StopContainer(new StopContainerRequest { ContainerId = id, Timeout = 0 });
        using (var socket = new ClientWebSocket())
        {
            socket.Options.AddSubProtocol("v5.channel.k8s.io");
            await socket.ConnectAsync(new Uri(late), CancellationToken.None);
            var status = await Read(socket, 3, "}");
            Assert.Contains("\"status\":\"Failure\"", status);
            Assert.Contains("not RUNNING", status);
        }

        rt.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = sandboxId });
        rt.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
        env.AssertNoLeftovers();
    }
}
