using System.Security.Cryptography;
using System.Text;

namespace Sublet.Cri.Streaming.WebSockets;

/// <summary>
/// The server's side of the WebSocket opening handshake (RFC 6455 §4.2): a GET with
/// <c>Upgrade: websocket</c>, <c>Connection: Upgrade</c>, <c>Sec-WebSocket-Version: 13</c> and a
/// <c>Sec-WebSocket-Key</c> of 16 random bytes in base64, answered by 101 with the key's
/// <c>Sec-WebSocket-Accept</c> and the subprotocol chosen. Pure: the server writes what it returns.
/// </summary>
internal static class WebSocketHandshake
{
    /// <summary>The GUID every server appends to the key (RFC 6455 §1.3).</summary>
    private const string KeyGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>Whether the request asks for a WebSocket at all (apimachinery wsstream IsWebSocketRequest).</summary>
    public static bool IsWebSocket(StreamingServer.RequestHead head) =>
        head.Header("upgrade").Any(u => u.Equals("websocket", StringComparison.OrdinalIgnoreCase));

    /// <summary><c>base64(SHA-1(key + GUID))</c> (RFC 6455 §4.2.2 item 5.4).</summary>
    public static string Accept(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key.Trim() + KeyGuid)));

    /// <summary>
    /// The subprotocol of the client's first choice that the server speaks, as golang.org/x/net
    /// websocket's handshake in apimachinery wsstream picks it; "" when the client offered none and
    /// "" is acceptable (upstream serves the unversioned binary protocol then); null when none fits.
    /// </summary>
    public static string? Negotiate(IEnumerable<string> offered, IReadOnlyList<string> supported)
    {
        var list = offered.SelectMany(o => o.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (list.Count == 0)
        {
            return supported.Contains("") ? "" : null;
        }
        return list.FirstOrDefault(supported.Contains);
    }

    /// <summary>What is wrong with the upgrade request (status and text), or null when it is a valid version 13 handshake.</summary>
    public static (int Status, string Message)? Validate(StreamingServer.RequestHead head)
    {
        if (head.Method != "GET")
        {
            return (400, "websocket: the opening handshake must be a GET (RFC 6455 §4.1)");
        }
        if (!head.Header("connection").SelectMany(c => c.Split(',', StringSplitOptions.TrimEntries)).Any(t => t.Equals("upgrade", StringComparison.OrdinalIgnoreCase)))
        {
            return (400, "websocket: 'Connection' header must contain 'upgrade'");
        }
        if (!head.Header("sec-websocket-version").Contains("13"))
        {
            // RFC 6455 §4.4: the versions the server speaks go back with 426.
            return (426, "websocket: only Sec-WebSocket-Version 13 is served");
        }
        var key = head.Header("sec-websocket-key");
        Span<byte> decoded = stackalloc byte[24];
        if (key.Count != 1 || !Convert.TryFromBase64String(key[0].Trim(), decoded, out var length) || length != 16)
        {
            return (400, "websocket: Sec-WebSocket-Key must be 16 bytes in base64");
        }
        return null;
    }

    /// <summary>The 101 answer (RFC 6455 §4.2.2 item 5); the protocol header only when one was chosen.</summary>
    public static string Response(string key, string protocol) =>
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        $"Sec-WebSocket-Accept: {Accept(key)}\r\n" +
        (protocol.Length > 0 ? $"Sec-WebSocket-Protocol: {protocol}\r\n" : "") + "\r\n";
}
