namespace Sublet.Cri.Streaming.WebSockets;

/// <summary>
/// A <c>channel.k8s.io</c> WebSocket subprotocol (apimachinery wsstream conn.go, kubelet
/// cri/streaming remotecommand/websocket.go and portforward/websocket.go): each message is one
/// channel's data after a first byte naming the channel; the base64 variants send text, the
/// channel as the digit <c>'0' + n</c> and the data in standard base64. v5 adds the close
/// signal <c>[255, n]</c> that half-closes channel n. v4 and v5 report the exit on the error
/// channel as a metav1.Status JSON, the older ones as text.
/// </summary>
internal sealed record ChannelProtocol(string Name, bool Base64, bool CloseSignal, bool StatusJson)
{
    public static readonly ChannelProtocol V5 = new("v5.channel.k8s.io", Base64: false, CloseSignal: true, StatusJson: true);
    public static readonly ChannelProtocol V4 = new("v4.channel.k8s.io", Base64: false, CloseSignal: false, StatusJson: true);
    public static readonly ChannelProtocol V4Base64 = new("v4.base64.channel.k8s.io", Base64: true, CloseSignal: false, StatusJson: true);
    public static readonly ChannelProtocol V1 = new("channel.k8s.io", Base64: false, CloseSignal: false, StatusJson: false);
    public static readonly ChannelProtocol V1Base64 = new("base64.channel.k8s.io", Base64: true, CloseSignal: false, StatusJson: false);

    /// <summary>No subprotocol offered: upstream serves binary channels with v1 status then.</summary>
    public static readonly ChannelProtocol Unnamed = new("", Base64: false, CloseSignal: false, StatusJson: false);

    /// <summary>
    /// Exec and attach. v5 is what client-go's WebSocket executor offers (alone, crictl
    /// <c>-r websocket</c>); the kubelet's own library stops at v4.
    /// </summary>
    public static readonly IReadOnlyList<ChannelProtocol> RemoteCommand = [V5, V4, V4Base64, V1, V1Base64, Unnamed];

    /// <summary>Port forwarding with one data and one error channel per port (portforward/websocket.go).</summary>
    public static readonly IReadOnlyList<ChannelProtocol> PortForward = [V4, V4Base64, Unnamed];

    /// <summary>The signal byte of v5's half-close (apimachinery remotecommand StreamClose).</summary>
    public const byte CloseByte = 255;
}
