using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Sublet.Cri.Streaming;

namespace Sublet.Cri.Tests.Streaming;

/// <summary>
/// Exec and attach over WebSocket, byte for byte: frames as RFC 6455 §5.2 lays them out (server
/// frames unmasked, client frames masked with the RFC's example key), channel numbering and the
/// v5 close signal as apimachinery remotecommand constants.go defines them.
/// </summary>
public sealed class WebSocketExecTests : IAsyncLifetime
{
    private static readonly byte[] NormalClose = [0x88, 0x02, 0x03, 0xE8];

    private readonly FakeSandboxRuntime _runtime = new();
    private StreamingServer _server = null!;

    public Task InitializeAsync()
    {
        _server = StreamingServer.Start(IPAddress.Loopback, 0, _runtime, TimeProvider.System, NullLogger.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Uri Exec(bool stdin = false, bool tty = false, bool stderr = false) =>
        _server.UrlFor("exec", new ExecRequest("c1", ["sh"], tty, stdin, true, stderr))!;

    private static async Task<bool> Ended(FakeStdioSession session)
    {
        for (var i = 0; i < 200 && !session.Disposed; i++)
        {
            await Task.Delay(50);
        }
        return session.Cancelled && session.Disposed;
    }

    [Fact]
    public async Task V5_upgrade_answers_with_the_accept_value_and_the_protocol()
    {
        using var client = await WebSocketTestClient.Connect(Exec(), ["v5.channel.k8s.io"]);
        Assert.Equal("HTTP/1.1 101 Switching Protocols", client.Status);
        Assert.Equal("websocket", client.Headers["Upgrade"]);
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", client.Headers["Sec-WebSocket-Accept"]);
        Assert.Equal("v5.channel.k8s.io", client.Headers["Sec-WebSocket-Protocol"]);
    }

    [Fact]
    public async Task V5_stdout_then_the_status_on_channel_3_then_a_normal_close()
    {
        _runtime.NextSession = new FakeStdioSession { Stdout = "hello\n" };
        using var client = await WebSocketTestClient.Connect(Exec(), ["v5.channel.k8s.io"]);
        // FIN + binary, unmasked, 7 bytes: channel 1 (stdout) and the data.
        var first = new byte[9];
        await client.Stream.ReadExactlyAsync(first);
        Assert.Equal([0x82, 0x07, 0x01, .. "hello\n"u8.ToArray()], first);
        var rest = await client.ReadUntilClose();
        var status = """{"metadata":{},"status":"Success"}""";
        Assert.Equal([0x03, .. Encoding.UTF8.GetBytes(status)], rest[0].Payload);
        Assert.Equal(1000, rest[^1].CloseCode);
        Assert.Equal(NormalClose, WebSocketTestClient.Frame(WsFrame.Close, rest[^1].Payload));
        await client.Send(WebSocketTestClient.Frame(WsFrame.Close, [0x03, 0xE8], mask: WebSocketTestClient.RfcMask));
    }

    [Fact]
    public async Task V5_stdin_reaches_the_process_and_the_close_signal_ends_it()
    {
        using var client = await WebSocketTestClient.Connect(Exec(stdin: true), ["v5.channel.k8s.io"]);
        await client.SendChannel(0, "typed");
        await client.Send(WebSocketTestClient.Frame(WsFrame.Binary, [255, 0], mask: WebSocketTestClient.RfcMask));
        var frames = await client.ReadUntilClose();
        Assert.Equal("typed", WebSocketTestClient.Channel(frames, 1));
        Assert.Contains("Success", WebSocketTestClient.Channel(frames, 3), StringComparison.Ordinal);
        Assert.Equal(1000, frames[^1].CloseCode);
    }

    [Fact]
    public async Task A_non_zero_exit_is_the_v4_status_json_on_channel_3()
    {
        _runtime.NextSession = new FakeStdioSession { ExitCode = 3 };
        using var client = await WebSocketTestClient.Connect(Exec(), ["v5.channel.k8s.io"]);
        using var status = JsonDocument.Parse(WebSocketTestClient.Channel(await client.ReadUntilClose(), 3));
        Assert.Equal("NonZeroExitCode", status.RootElement.GetProperty("reason").GetString());
        Assert.Equal("3", status.RootElement.GetProperty("details").GetProperty("causes")[0].GetProperty("message").GetString());
    }

    [Fact]
    public async Task V4_says_ready_with_an_empty_stdout_message_and_v1_reports_as_text()
    {
        _runtime.NextSession = new FakeStdioSession { ExitCode = 3 };
        using (var v4 = await WebSocketTestClient.Connect(Exec(), ["v4.channel.k8s.io"]))
        {
            Assert.Equal("v4.channel.k8s.io", v4.Headers["Sec-WebSocket-Protocol"]);
            var frames = await v4.ReadUntilClose();
            Assert.Equal([0x01], frames[0].Payload);
            Assert.Contains("NonZeroExitCode", WebSocketTestClient.Channel(frames, 3), StringComparison.Ordinal);
        }
        _runtime.NextSession = new FakeStdioSession { ExitCode = 3 };
        using var v1 = await WebSocketTestClient.Connect(Exec(), ["channel.k8s.io"]);
        Assert.Equal("command terminated with non-zero exit code: exit status 3", WebSocketTestClient.Channel(await v1.ReadUntilClose(), 3));
    }

    [Fact]
    public async Task Base64_sends_text_with_the_channel_as_a_digit()
    {
        _runtime.NextSession = new FakeStdioSession { Stdout = "hello\n" };
        using var client = await WebSocketTestClient.Connect(Exec(stdin: true), ["v4.base64.channel.k8s.io"]);
        await client.Send(WebSocketTestClient.Frame(WsFrame.Text, "0aGk="u8.ToArray(), mask: WebSocketTestClient.RfcMask)); // "hi" on stdin
        // v4 has no close signal: stdin ends with the connection, so read what comes back to the echo.
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var text = new List<string>();
        while (text.Count < 3 && await client.ReadFrame(cancel.Token) is { Opcode: WsFrame.Text } frame)
        {
            text.Add(Encoding.ASCII.GetString(frame.Payload));
        }
        Assert.Equal("1", text[0]);
        Assert.Equal("1aGVsbG8K", text[1]);
        Assert.Equal("1aGk=", text[2]);
    }

    [Fact]
    public async Task Resizes_on_channel_4_reach_the_terminal_and_a_client_that_goes_kills_the_process()
    {
        var session = new FakeStdioSession { Echo = false, Forever = true };
        _runtime.NextSession = session;
        using var client = await WebSocketTestClient.Connect(Exec(stdin: true, tty: true), ["v5.channel.k8s.io"]);
        await client.SendChannel(4, """{"Width":100,"Height":30}""");
        await session.Resized.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([(100, 30)], session.Sizes);
        client.Dispose();
        Assert.True(await Ended(session));
    }

    [Theory]
    [InlineData(0xC2)] // FIN, RSV1 without a negotiated extension, binary (RFC 6455 §5.2: fail the connection)
    [InlineData(0x83)] // FIN, opcode 3: reserved for further non-control frames
    public async Task A_malformed_frame_ends_the_connection_with_a_protocol_error(byte first)
    {
        var session = new FakeStdioSession { Forever = true };
        _runtime.NextSession = session;
        using var client = await WebSocketTestClient.Connect(Exec(), ["v5.channel.k8s.io"]);
        await session.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        byte[] frame = [first, .. WebSocketTestClient.Frame(WsFrame.Binary, [0, 1, 2], mask: WebSocketTestClient.RfcMask)[1..]];
        await client.Send(frame);
        var frames = await client.ReadUntilClose();
        Assert.Equal(1002, frames[^1].CloseCode);
        Assert.True(await Ended(session));
    }

    [Fact]
    public async Task A_close_signal_without_its_channel_is_a_protocol_error()
    {
        var session = new FakeStdioSession { Forever = true };
        _runtime.NextSession = session;
        using var client = await WebSocketTestClient.Connect(Exec(stdin: true), ["v5.channel.k8s.io"]);
        await client.Send(WebSocketTestClient.Frame(WsFrame.Binary, [255], mask: WebSocketTestClient.RfcMask));
        Assert.Equal(1002, (await client.ReadUntilClose())[^1].CloseCode);
        Assert.True(await Ended(session));
    }

    [Fact]
    public async Task A_huge_message_ends_the_connection_with_message_too_big()
    {
        var session = new FakeStdioSession { Forever = true };
        _runtime.NextSession = session;
        using var client = await WebSocketTestClient.Connect(Exec(stdin: true), ["v5.channel.k8s.io"]);
        var huge = WebSocketTestClient.Frame(WsFrame.Binary, new byte[2 * 1024 * 1024], mask: WebSocketTestClient.RfcMask);
        var reading = client.ReadUntilClose();
        try
        {
            await client.Send(huge);
        }
        catch (IOException)
        {
            // The server stopped reading and closed first.
        }
        Assert.Equal(1009, (await reading)[^1].CloseCode);
        Assert.True(await Ended(session));
    }

    [Fact]
    public async Task Tokens_protocols_and_versions_are_checked_before_the_upgrade()
    {
        var url = Exec();
        using (var post = await WebSocketTestClient.Connect(url, ["v5.channel.k8s.io"], method: "POST"))
        {
            Assert.Equal("HTTP/1.1 400 Bad Request", post.Status);
        }
        using (var reused = await WebSocketTestClient.Connect(url, ["v5.channel.k8s.io"]))
        {
            Assert.Equal("HTTP/1.1 404 Not Found", reused.Status);
        }
        using (var old = await WebSocketTestClient.Connect(Exec(), ["v5.channel.k8s.io"], version: "8"))
        {
            Assert.StartsWith("HTTP/1.1 426", old.Status, StringComparison.Ordinal);
            Assert.Equal("13", old.Headers["Sec-WebSocket-Version"]);
        }
        using var unknown = await WebSocketTestClient.Connect(Exec(), ["v3.channel.k8s.io"]);
        Assert.Equal("HTTP/1.1 403 Forbidden", unknown.Status);
    }

    [Fact]
    public async Task Attach_runs_the_attach_session_over_websocket()
    {
        _runtime.NextSession = new FakeStdioSession { Stdout = "attached\n", ExitCode = null };
        var url = _server.UrlFor("attach", new AttachRequest("c1", false, false, true, false))!;
        using var client = await WebSocketTestClient.Connect(url, ["v5.channel.k8s.io"]);
        var frames = await client.ReadUntilClose();
        Assert.Equal("attached\n", WebSocketTestClient.Channel(frames, 1));
        Assert.Contains("attach c1", _runtime.Calls);
    }
}
