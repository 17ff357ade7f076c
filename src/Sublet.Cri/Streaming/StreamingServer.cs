using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Sublet.Cri.Streaming.Spdy;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Streaming;

/// <summary>
/// The streaming server CRI Exec and Attach answer with the URL of (kubelet cri/streaming
/// server.go): plain HTTP/1.1 on a loopback TCP port, <c>GET|POST /exec/TOKEN</c> and
/// <c>/attach/TOKEN</c> and <c>/portforward/TOKEN</c>, each token from <see cref="RequestCache"/>
/// and good once; anything else is 404. The request is upgraded to SPDY/3.1 with the
/// remote-command protocol the client prefers among <see cref="RemoteCommand.Protocols"/>, or
/// <see cref="PortForward.Protocol"/>; or to a WebSocket (StreamingServer.WebSocket.cs). It
/// parses only the request head an upgrade needs, so no HTTP framework sits between the socket
/// and the framing.
/// </summary>
public sealed partial class StreamingServer : IAsyncDisposable
{
    private const int MaxHead = 16 * 1024;
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(30);

    private readonly ISandboxRuntime _runtime;
    private readonly ILogger _logger;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private StreamingServer(Socket listener, ISandboxRuntime runtime, TimeProvider time, ILogger logger)
    {
        _listener = listener;
        _runtime = runtime;
        _logger = logger;
        Requests = new RequestCache(time);
        var bound = (IPEndPoint)listener.LocalEndPoint!;
        BaseUrl = new Uri($"http://{(bound.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{bound.Address}]" : bound.Address.ToString())}:{bound.Port}/");
        _accepting = Task.Run(AcceptLoop);
    }

    /// <summary><c>http://ADDRESS:PORT/</c>, with the port the system picked when 0 was asked.</summary>
    public Uri BaseUrl { get; }

    internal RequestCache Requests { get; }

    /// <summary>Listens on <paramref name="address"/>:<paramref name="port"/> (0 = any free port) and serves until disposed.</summary>
    public static StreamingServer Start(IPAddress address, int port, ISandboxRuntime runtime, TimeProvider time, ILogger logger)
    {
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(address, port));
            listener.Listen(128);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        return new StreamingServer(listener, runtime, time, logger);
    }

    /// <summary>The URL for a stored request (<c>BASE/exec/TOKEN</c>); null when too many wait.</summary>
    internal Uri? UrlFor(string kind, object request) =>
        Requests.Insert(request) is { } token ? new Uri(BaseUrl, $"{kind}/{token}") : null;

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
                continue;
            }
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(Socket client)
    {
        client.NoDelay = true;
        var stream = new NetworkStream(client, ownsSocket: false);
        try
        {
            using var headTimeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            headTimeout.CancelAfter(HeadTimeout);
            var (head, rest) = await ReadHead(stream, headTimeout.Token).ConfigureAwait(false);
            if (head is null)
            {
                await Respond(stream, 400, "malformed request").ConfigureAwait(false);
                return;
            }
            if (await Route(head, stream).ConfigureAwait(false) is { } upgraded)
            {
                await upgraded(new PrefixedStream(rest, stream), client).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or System.Net.WebSockets.WebSocketException)
        {
            Log.StreamEnded(_logger, e.Message);
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            client.Dispose();
        }
    }

    /// <summary>Answers what is not an upgrade to a known token, else upgrades and returns what serves the connection (its bytes, its socket).</summary>
    private async Task<Func<Stream, Socket, Task>?> Route(RequestHead head, Stream stream)
    {
        var parts = head.Path.Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries);
        var request = head.Method is "GET" or "POST" && parts.Length == 2 && parts[0] is "exec" or "attach" or "portforward"
            ? Requests.Consume(parts[1])
            : null;
        var kind = request switch { ExecRequest => "exec", AttachRequest => "attach", PortForwardRequest => "portforward", _ => null };
        if (request is null || kind != parts[0])
        {
            await Respond(stream, 404, "404 page not found").ConfigureAwait(false);
            return null;
        }
        if (WebSockets.WebSocketHandshake.IsWebSocket(head))
        {
            return await RouteWebSocket(head, stream, request).ConfigureAwait(false);
        }
        if (!head.Header("upgrade").Any(u => u.Equals("SPDY/3.1", StringComparison.OrdinalIgnoreCase)))
        {
            await Respond(stream, 400, "unable to upgrade: only SPDY/3.1 and websocket are served").ConfigureAwait(false);
            return null;
        }
        var supported = request is PortForwardRequest ? PortForward.Protocols : RemoteCommand.Protocols;
        var offered = head.Header("x-stream-protocol-version");
        if (offered.Count == 0)
        {
            await Respond(stream, 400, "unable to upgrade: X-Stream-Protocol-Version is required").ConfigureAwait(false);
            return null;
        }
        if (RemoteCommand.Negotiate(offered, supported) is not { } protocol)
        {
            await Respond(stream, 403, $"unable to upgrade: unable to negotiate protocol: client supports [{string.Join(' ', offered)}], server accepts [{string.Join(' ', supported)}]",
                [.. supported.Select(p => ("X-Accepted-Stream-Protocol-Versions", p))]).ConfigureAwait(false);
            return null;
        }
        await Write(stream, $"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: {protocol}\r\n\r\n").ConfigureAwait(false);
        return (transport, socket) => OverSpdy(transport, socket, request switch
        {
            ExecRequest exec => connection => RemoteCommand.ServeAsync(connection, protocol, exec.Stdin, exec.Stdout, exec.Stderr, exec.Tty,
                Starter(exec), _stop.Token),
            AttachRequest attach => connection => RemoteCommand.ServeAsync(connection, protocol, attach.Stdin, attach.Stdout, attach.Stderr, attach.Tty,
                Starter(attach), _stop.Token),
            _ => connection => PortForward.ServeAsync(connection, ((PortForwardRequest)request).SandboxId, _runtime, _stop.Token),
        });
    }

    /// <summary>Serves a SPDY/3.1 connection over <paramref name="transport"/> (the socket, when there is one, lets closing drain the client's last frames).</summary>
    private static async Task OverSpdy(Stream transport, Socket? socket, Func<SpdyConnection, Task> serve)
    {
        await using var connection = new SpdyConnection(transport, socket);
        connection.Start();
        await serve(connection).ConfigureAwait(false);
    }

    /// <summary>What starts the process of an exec, or joins the container of an attach.</summary>
    private Func<IStdioSession> Starter(object request) => request switch
    {
        ExecRequest exec => () => _runtime.StartExec(exec.ContainerId, exec.Command, exec.Tty),
        AttachRequest attach => () => _runtime.Attach(attach.ContainerId),
        _ => throw new ArgumentException($"not a remote command: {request.GetType().Name}", nameof(request)),
    };

    internal sealed record RequestHead(string Method, string Path, Dictionary<string, List<string>> Headers)
    {
        public List<string> Header(string name) => Headers.TryGetValue(name, out var values) ? values : [];
    }

    /// <summary>Reads up to the blank line; returns the parsed head (null when it is not HTTP/1.x) and the bytes read past it.</summary>
    internal static async Task<(RequestHead? Head, byte[] Surplus)> ReadHead(Stream stream, CancellationToken cancel)
    {
        var buffer = new byte[MaxHead];
        var filled = 0;
        while (true)
        {
            var end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                return (ParseHead(Encoding.Latin1.GetString(buffer, 0, end)), buffer[(end + 4)..filled]);
            }
            if (filled == buffer.Length)
            {
                return (null, []);
            }
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancel).ConfigureAwait(false);
            if (read == 0)
            {
                return (null, []);
            }
            filled += read;
        }
    }

    internal static RequestHead? ParseHead(string text)
    {
        var lines = text.Split("\r\n");
        var start = lines[0].Split(' ');
        if (start.Length != 3 || !start[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            return null;
        }
        var headers = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return null;
            }
            var name = line[..colon].Trim();
            if (!headers.TryGetValue(name, out var values))
            {
                headers[name] = values = [];
            }
            values.Add(line[(colon + 1)..].Trim());
        }
        return new RequestHead(start[0], start[1], headers);
    }

    internal static Task Respond(Stream stream, int code, string body, IEnumerable<(string, string)>? headers = null)
    {
        var reason = code switch { 400 => "Bad Request", 403 => "Forbidden", 404 => "Not Found", _ => "Error" };
        var extra = string.Concat((headers ?? []).Select(h => $"{h.Item1}: {h.Item2}\r\n"));
        var bytes = Encoding.UTF8.GetByteCount(body + "\n");
        return Write(stream, $"HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n{extra}Content-Length: {bytes}\r\nConnection: close\r\n\r\n{body}\n");
    }

    internal static async Task Write(Stream stream, string text)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text)).ConfigureAwait(false);
        await stream.FlushAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        _stop.Dispose();
    }
}

internal static partial class Log
{
    [LoggerMessage(EventId = 40, Level = LogLevel.Debug, Message = "Streaming connection ended: {Reason}")]
    public static partial void StreamEnded(ILogger logger, string reason);
}
