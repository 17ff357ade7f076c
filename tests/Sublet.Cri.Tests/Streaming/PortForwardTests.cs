using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sublet.Cri.Streaming;

namespace Sublet.Cri.Tests.Streaming;

/// <summary>
/// Port forwarding over SPDY, and over WebSocket both ways clients speak it: the kubelet's channel
/// protocol (data 2i, error 2i+1, each first given the port as a little-endian uint16) and
/// client-go's SPDY tunnel (<c>SPDY/3.1+portforward.k8s.io</c>, what crictl <c>-r websocket</c> sends).
/// </summary>
public sealed class PortForwardTests : IAsyncLifetime
{
    private readonly FakeSandboxRuntime _runtime = new();
    private readonly TcpListener _pod = new(IPAddress.Loopback, 0);
    private StreamingServer _server = null!;

    public Task InitializeAsync()
    {
        _pod.Start();
        _runtime.PodEndpoint = (IPEndPoint)_pod.LocalEndpoint;
        _server = StreamingServer.Start(IPAddress.Loopback, 0, _runtime, TimeProvider.System, NullLogger.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _pod.Stop();
    }

    private static KeyValuePair<string, string>[] Headers(string type, int port, int request) =>
        [new("streamType", type), new("port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("requestID", request.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>The pod side: answers each connection with "echo:" and what it read, then closes.</summary>
    private async Task ServePod(int connections)
    {
        for (var i = 0; i < connections; i++)
        {
            using var client = await _pod.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var input = new MemoryStream();
            await stream.CopyToAsync(input);
            await stream.WriteAsync(Encoding.UTF8.GetBytes("echo:" + Encoding.UTF8.GetString(input.ToArray())));
        }
    }

    [Fact]
    public async Task Two_concurrent_requests_are_forwarded_each_on_its_own_stream_pair()
    {
        var url = _server.UrlFor("portforward", new PortForwardRequest("s1"))!;
        var pod = ServePod(2);
        using var client = await SpdyTestClient.Connect(url, "portforward.k8s.io");
        Assert.Equal("HTTP/1.1 101 Switching Protocols", client.Status);
        Assert.Equal("portforward.k8s.io", client.Headers["X-Stream-Protocol-Version"]);
        var error1 = await client.Open(Headers("error", 80, 0), fin: true);
        var data1 = await client.Open(Headers("data", 80, 0));
        var error2 = await client.Open(Headers("error", 81, 1), fin: true);
        var data2 = await client.Open(Headers("data", 81, 1));
        await client.Write(data2, "second", fin: true);
        await client.Write(data1, "first", fin: true);
        await client.ReadUntil(() => client.Finished.IsSupersetOf([data1, data2, error1, error2]));
        await pod;
        Assert.Equal("echo:first", client.Text(data1));
        Assert.Equal("echo:second", client.Text(data2));
        Assert.Equal("", client.Text(error1));
        Assert.Contains("connect s1 80", _runtime.Calls);
        Assert.Contains("connect s1 81", _runtime.Calls);
    }

    [Fact]
    public async Task A_failed_connection_is_reported_on_the_error_stream()
    {
        _runtime.PodEndpoint = null;
        var url = _server.UrlFor("portforward", new PortForwardRequest("s1"))!;
        using var client = await SpdyTestClient.Connect(url, "portforward.k8s.io");
        var error = await client.Open(Headers("error", 8080, 0), fin: true);
        var data = await client.Open(Headers("data", 8080, 0));
        await client.ReadUntil(() => client.Finished.Contains(error));
        Assert.Equal("error forwarding port 8080 to pod s1: nothing listens on port 8080", client.Text(error));
        Assert.Contains(data, client.Finished);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("70000")]
    [InlineData("http")]
    public async Task Invalid_ports_are_refused(string port)
    {
        var url = _server.UrlFor("portforward", new PortForwardRequest("s1"))!;
        using var client = await SpdyTestClient.Connect(url, "portforward.k8s.io");
        var error = await client.Open([new("streamType", "error"), new("port", port), new("requestID", "0")], fin: true);
        await client.Open([new("streamType", "data"), new("port", port), new("requestID", "0")]);
        await client.ReadUntil(() => client.Finished.Contains(error));
        Assert.Contains($"invalid port {port}", client.Text(error));
    }

    [Fact]
    public async Task Remote_command_protocols_are_not_port_forwarding()
    {
        var url = _server.UrlFor("portforward", new PortForwardRequest("s1"))!;
        using var client = await SpdyTestClient.Connect(url, "v4.channel.k8s.io");
        Assert.Equal("HTTP/1.1 403 Forbidden", client.Status);
    }

    /// <summary>The pod side: reads one chunk, answers "echo:" and it, and closes.</summary>
    private async Task ServePodOnce()
    {
        using var client = await _pod.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var buffer = new byte[1024];
        var read = await stream.ReadAsync(buffer);
        await stream.WriteAsync(Encoding.UTF8.GetBytes("echo:" + Encoding.UTF8.GetString(buffer, 0, read)));
    }

    [Fact]
    public async Task Channels_carry_the_port_first_then_the_pods_bytes()
    {
        var pod = ServePodOnce();
        var url = _server.UrlFor("portforward", new PortForwardRequest("s1", [8080]))!;
        using var client = await WebSocketTestClient.Connect(url, ["v4.channel.k8s.io"]);
        Assert.Equal("v4.channel.k8s.io", client.Headers["Sec-WebSocket-Protocol"]);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        // 8080 = 0x1F90, little endian: 0x90 0x1F; on data channel 0, then on error channel 1.
        Assert.Equal([0x82, 0x03, 0x00, 0x90, 0x1F], WebSocketTestClient.Frame(WsFrame.Binary, (await client.ReadFrame(cancel.Token))!.Payload));
        Assert.Equal([0x82, 0x03, 0x01, 0x90, 0x1F], WebSocketTestClient.Frame(WsFrame.Binary, (await client.ReadFrame(cancel.Token))!.Payload));
        await client.SendChannel(0, "ping");
        var frames = await client.ReadUntilClose();
        await pod;
        Assert.Equal("echo:ping", WebSocketTestClient.Channel(frames, 0));
        Assert.Equal("", WebSocketTestClient.Channel(frames, 1));
        Assert.Equal(1000, frames[^1].CloseCode);
        Assert.Contains("connect s1 8080", _runtime.Calls);
    }

    [Fact]
    public async Task Without_ports_in_the_request_the_query_names_them_and_a_failure_goes_on_the_error_channel()
    {
        _runtime.PodEndpoint = null;
        using (var none = await WebSocketTestClient.Connect(_server.UrlFor("portforward", new PortForwardRequest("s1"))!, ["v4.channel.k8s.io"]))
        {
            Assert.Equal("HTTP/1.1 400 Bad Request", none.Status);
        }
        var url = new Uri(_server.UrlFor("portforward", new PortForwardRequest("s1"))! + "?port=81");
        using var client = await WebSocketTestClient.Connect(url, []);
        Assert.Equal("HTTP/1.1 101 Switching Protocols", client.Status);
        var frames = await client.ReadUntilClose();
        Assert.Equal("error forwarding port 81 to pod s1: nothing listens on port 81", WebSocketTestClient.Channel(frames, 1)[2..]);
    }

    [Fact]
    public async Task The_spdy_tunnel_forwards_as_spdy_does()
    {
        var pod = ServePodOnce();
        var url = _server.UrlFor("portforward", new PortForwardRequest("s1"))!;
        using var raw = await WebSocketTestClient.Connect(url, ["SPDY/3.1+portforward.k8s.io"]);
        Assert.Equal("SPDY/3.1+portforward.k8s.io", raw.Headers["Sec-WebSocket-Protocol"]);
        var socket = WebSocket.CreateFromStream(raw.Stream, new WebSocketCreationOptions { IsServer = false });
        using var client = SpdyTestClient.Over(WebSocketStream.Create(socket, WebSocketMessageType.Binary, ownsWebSocket: true));
        KeyValuePair<string, string>[] Headers(string type) => [new("streamType", type), new("port", "80"), new("requestID", "0")];
        var error = await client.Open(Headers("error"), fin: true);
        var data = await client.Open(Headers("data"));
        await client.Write(data, "tunnel");
        await client.ReadUntil(() => client.Finished.IsSupersetOf([data, error]));
        await pod;
        Assert.Equal("echo:tunnel", client.Text(data));
        Assert.Equal("", client.Text(error));
    }
}
