using Sublet.Cri.Streaming;
using Sublet.Cri.Streaming.WebSockets;

namespace Sublet.Cri.Tests.Streaming;

public sealed class WebSocketHandshakeTests
{
    private static StreamingServer.RequestHead Head(string method = "GET", string version = "13", string key = WebSocketTestClient.RfcKey, string connection = "Upgrade") =>
        StreamingServer.ParseHead($"{method} /exec/abcdefgh HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: {connection}\r\nSec-WebSocket-Version: {version}\r\nSec-WebSocket-Key: {key}")!;

    [Fact]
    public void The_accept_value_is_the_one_of_RFC_6455_section_1_3()
    {
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketHandshake.Accept("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    [Fact]
    public void The_response_names_the_chosen_protocol_and_leaves_it_out_when_there_is_none()
    {
        Assert.Equal(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n",
            WebSocketHandshake.Response(WebSocketTestClient.RfcKey, "v5.channel.k8s.io"));
        Assert.DoesNotContain("Sec-WebSocket-Protocol", WebSocketHandshake.Response(WebSocketTestClient.RfcKey, ""), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v5.channel.k8s.io", "v5.channel.k8s.io")]
    [InlineData("v4.channel.k8s.io, v5.channel.k8s.io", "v4.channel.k8s.io")]
    [InlineData("v3.channel.k8s.io,base64.channel.k8s.io", "base64.channel.k8s.io")]
    [InlineData("", "")]
    [InlineData("v3.channel.k8s.io", null)]
    public void The_clients_first_supported_choice_wins(string offered, string? chosen)
    {
        var names = ChannelProtocol.RemoteCommand.Select(p => p.Name).ToList();
        Assert.Equal(chosen, WebSocketHandshake.Negotiate(offered.Length > 0 ? [offered] : [], names));
    }

    [Fact]
    public void A_valid_version_13_handshake_passes()
    {
        Assert.Null(WebSocketHandshake.Validate(Head()));
        Assert.Null(WebSocketHandshake.Validate(Head(connection: "keep-alive, Upgrade")));
    }

    [Theory]
    [InlineData("POST", "13", WebSocketTestClient.RfcKey, "Upgrade", 400)]
    [InlineData("GET", "8", WebSocketTestClient.RfcKey, "Upgrade", 426)]
    [InlineData("GET", "13", "c2hvcnQ=", "Upgrade", 400)]
    [InlineData("GET", "13", "not base64!", "Upgrade", 400)]
    [InlineData("GET", "13", WebSocketTestClient.RfcKey, "close", 400)]
    public void Bad_handshakes_are_refused(string method, string version, string key, string connection, int status)
    {
        Assert.Equal(status, WebSocketHandshake.Validate(Head(method, version, key, connection))?.Status);
    }
}
