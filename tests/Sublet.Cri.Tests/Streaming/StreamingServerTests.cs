using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Sublet.Cri.Streaming;
using Sublet.Cri.Streaming.Spdy;

namespace Sublet.Cri.Tests.Streaming;

public sealed class StreamingServerTests : IAsyncLifetime
{
    private readonly FakeSandboxRuntime _runtime = new();
    private StreamingServer _server = null!;

    public Task InitializeAsync()
    {
        _server = StreamingServer.Start(IPAddress.Loopback, 0, _runtime, TimeProvider.System, NullLogger.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Uri Exec(bool stdin = false, bool tty = false, bool stderr = true) =>
        _server.UrlFor("exec", new ExecRequest("c1", ["sh"], tty, stdin, true, stderr))!;

    [Fact]
    public void Urls_are_absolute_on_loopback_with_an_eight_character_token()
    {
        var url = Exec();
        Assert.Equal("http", url.Scheme);
        Assert.Equal("127.0.0.1", url.Host);
        Assert.NotEqual(0, url.Port);
        Assert.Matches("^/exec/[A-Za-z0-9_-]{8}$", url.AbsolutePath);
    }

    [Fact]
    public async Task Exec_v4_carries_stdout_stderr_and_a_success_status()
    {
        _runtime.NextSession = new FakeStdioSession { Stdout = "hello\n", Stderr = "warn\n" };
        using var client = await SpdyTestClient.Connect(Exec(), "v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io");
        Assert.Equal("HTTP/1.1 101 Switching Protocols", client.Status);
        Assert.Equal("v4.channel.k8s.io", client.Headers["X-Stream-Protocol-Version"]);
        Assert.Equal("SPDY/3.1", client.Headers["Upgrade"]);
        var error = await client.Open("error");
        var stdout = await client.Open("stdout");
        var stderr = await client.Open("stderr");
        await client.ReadUntil(() => client.Finished.Contains(error));
        Assert.Equal([error, stdout, stderr], client.Replied.Order());
        Assert.Equal("hello\n", client.Text(stdout));
        Assert.Equal("warn\n", client.Text(stderr));
        Assert.True(client.Finished.IsSupersetOf([stdout, stderr]));
        Assert.Equal("""{"metadata":{},"status":"Success"}""", client.Text(error));
        await client.ReadToEnd();
        Assert.True(client.GoneAway);
        Assert.True(((FakeStdioSession)_runtime.NextSession).Disposed);
    }

    [Fact]
    public async Task Exec_v4_reports_a_non_zero_exit_code_as_client_go_decodes_it()
    {
        _runtime.NextSession = new FakeStdioSession { ExitCode = 3 };
        using var client = await SpdyTestClient.Connect(Exec(stderr: false), "v4.channel.k8s.io");
        var error = await client.Open("error");
        await client.Open("stdout");
        await client.ReadUntil(() => client.Finished.Contains(error));
        using var status = JsonDocument.Parse(client.Text(error));
        Assert.Equal("Failure", status.RootElement.GetProperty("status").GetString());
        Assert.Equal("NonZeroExitCode", status.RootElement.GetProperty("reason").GetString());
        var cause = status.RootElement.GetProperty("details").GetProperty("causes")[0];
        Assert.Equal("ExitCode", cause.GetProperty("reason").GetString());
        Assert.Equal("3", cause.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Exec_v2_reports_failure_as_text_and_success_as_nothing()
    {
        _runtime.NextSession = new FakeStdioSession { ExitCode = 0, Stdout = "x" };
        using var client = await SpdyTestClient.Connect(Exec(stderr: false), "v2.channel.k8s.io");
        Assert.Equal("v2.channel.k8s.io", client.Headers["X-Stream-Protocol-Version"]);
        var error = await client.Open("error");
        var stdout = await client.Open("stdout");
        await client.ReadUntil(() => client.Finished.Contains(error));
        Assert.Equal("", client.Text(error));
        Assert.Equal("x", client.Text(stdout));
    }

    [Fact]
    public async Task Stdin_reaches_the_process_and_its_end_ends_the_input()
    {
        using var client = await SpdyTestClient.Connect(Exec(stdin: true, stderr: false), "v4.channel.k8s.io");
        var error = await client.Open("error");
        var stdin = await client.Open("stdin");
        var stdout = await client.Open("stdout");
        await client.Write(stdin, "echo me\n");
        await client.Write(stdin, "", fin: true);
        await client.ReadUntil(() => client.Finished.Contains(error));
        Assert.Equal("echo me\n", client.Text(stdout));
    }

    [Fact]
    public async Task Tty_sessions_get_the_resize_stream_sizes()
    {
        var session = new FakeStdioSession { Echo = false, Forever = true };
        _runtime.NextSession = session;
        using var client = await SpdyTestClient.Connect(Exec(stdin: true, tty: true, stderr: false), "v4.channel.k8s.io");
        await client.Open("error");
        await client.Open("stdin");
        await client.Open("stdout");
        var resize = await client.Open("resize");
        await client.Write(resize, "{\"Width\":120,\"Height\":40}\n{\"Width\":80,");
        await client.Write(resize, "\"Height\":24}\n");
        await session.Resized.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(200);
        lock (session.Sizes)
        {
            Assert.Equal([(120, 40), (80, 24)], session.Sizes);
        }
        client.Dispose(); // the client disconnects mid-stream: the process is cancelled and disposed
        for (var i = 0; i < 100 && !session.Disposed; i++)
        {
            await Task.Delay(50);
        }
        Assert.True(session.Cancelled);
        Assert.True(session.Disposed);
    }

    [Fact]
    public async Task A_token_works_once()
    {
        var url = Exec(stderr: false);
        using (var first = await SpdyTestClient.Connect(url, "v4.channel.k8s.io"))
        {
            Assert.Equal("HTTP/1.1 101 Switching Protocols", first.Status);
        }
        using var second = await SpdyTestClient.Connect(url, "v4.channel.k8s.io");
        Assert.Equal("HTTP/1.1 404 Not Found", second.Status);
    }

    [Theory]
    [InlineData("/exec/nosuchtk")]
    [InlineData("/")]
    [InlineData("/metrics")]
    [InlineData("/attach/")]
    public async Task Nothing_is_served_without_a_token(string path)
    {
        using var client = await SpdyTestClient.Connect(new Uri(_server.BaseUrl, path), "v4.channel.k8s.io");
        Assert.Equal("HTTP/1.1 404 Not Found", client.Status);
    }

    [Fact]
    public async Task An_exec_token_does_not_open_an_attach()
    {
        var url = Exec();
        using var client = await SpdyTestClient.Connect(new Uri(_server.BaseUrl, url.AbsolutePath.Replace("/exec/", "/attach/", StringComparison.Ordinal)), "v4.channel.k8s.io");
        Assert.Equal("HTTP/1.1 404 Not Found", client.Status);
    }

    [Fact]
    public async Task No_common_protocol_is_refused_with_the_accepted_list()
    {
        using var client = await SpdyTestClient.Connect(Exec(), "v5.channel.k8s.io");
        Assert.Equal("HTTP/1.1 403 Forbidden", client.Status);
        Assert.Equal("v4.channel.k8s.io,v3.channel.k8s.io,v2.channel.k8s.io,channel.k8s.io", client.Headers["X-Accepted-Stream-Protocol-Versions"]);
    }

    [Fact]
    public async Task No_protocol_at_all_is_a_bad_request()
    {
        using var client = await SpdyTestClient.Connect(Exec());
        Assert.Equal("HTTP/1.1 400 Bad Request", client.Status);
    }

    [Fact]
    public async Task A_malformed_frame_ends_the_connection_with_goaway()
    {
        var session = new FakeStdioSession { Forever = true };
        _runtime.NextSession = session;
        using var client = await SpdyTestClient.Connect(Exec(stderr: false), "v4.channel.k8s.io");
        await client.Send([0x80, 0x02, 0x00, 0x01, 0, 0, 0, 0]); // a SPDY/2 control frame
        await client.ReadToEnd();
        Assert.True(client.GoneAway);
    }

    [Fact]
    public async Task Attach_runs_the_attach_session()
    {
        _runtime.NextSession = new FakeStdioSession { Stdout = "attached\n", ExitCode = null };
        var url = _server.UrlFor("attach", new AttachRequest("c1", false, false, true, false))!;
        using var client = await SpdyTestClient.Connect(url, "v4.channel.k8s.io");
        var error = await client.Open("error");
        var stdout = await client.Open("stdout");
        await client.ReadUntil(() => client.Finished.Contains(error));
        Assert.Equal("attached\n", client.Text(stdout));
        Assert.Equal("""{"metadata":{},"status":"Success"}""", client.Text(error));
        Assert.Contains("attach c1", _runtime.Calls);
    }

    [Fact]
    public async Task Fifty_sessions_at_once_all_end_when_their_clients_go()
    {
        var clients = new List<SpdyTestClient>();
        var sessions = new List<FakeStdioSession>();
        for (var i = 0; i < 50; i++)
        {
            var session = new FakeStdioSession { Forever = true };
            sessions.Add(session);
            _runtime.NextSession = session;
            var client = await SpdyTestClient.Connect(Exec(stderr: false), "v4.channel.k8s.io");
            await client.Open("error");
            await client.Open("stdout");
            await client.ReadUntil(() => client.Replied.Count == 2);
            await session.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
            clients.Add(client);
        }
        foreach (var client in clients)
        {
            client.Dispose();
        }
        for (var i = 0; i < 200 && sessions.Any(s => !s.Disposed); i++)
        {
            await Task.Delay(50);
        }
        Assert.All(sessions, s => Assert.True(s.Disposed));
    }
}
