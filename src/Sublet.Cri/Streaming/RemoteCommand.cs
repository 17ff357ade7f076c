using System.Globalization;
using System.Text;
using System.Text.Json;
using Sublet.Cri.Streaming.Spdy;
using Sublet.Runtime.Sandboxes;

namespace Sublet.Cri.Streaming;

/// <summary>
/// Kubernetes' remote-command protocols over SPDY (apimachinery pkg/util/remotecommand,
/// kubelet cri/streaming/remotecommand): the client opens an error stream and one stream per
/// requested stdio stream, and with a terminal from v3 on a resize stream, each named by its
/// <c>streamType</c> header. The server waits until it has them all (30 s at most), runs the
/// process, ends stdout and stderr, and reports on the error stream: v4 a metav1.Status JSON
/// (Success, or Failure with reason NonZeroExitCode and the code as an ExitCode cause), v1–v3 the
/// error's text and nothing on success.
/// </summary>
internal static class RemoteCommand
{
    public const string V4 = "v4.channel.k8s.io";
    public const string V3 = "v3.channel.k8s.io";
    public const string V2 = "v2.channel.k8s.io";
    public const string V1 = "channel.k8s.io";

    /// <summary>In order of preference, as kubelet's SupportedStreamingProtocols (v5 is WebSocket-only upstream).</summary>
    public static readonly IReadOnlyList<string> Protocols = [V4, V3, V2, V1];

    public static readonly TimeSpan StreamCreationTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The first protocol the client offers that the server speaks (apimachinery httpstream
    /// negotiateProtocol: the client's order decides); null when none.
    /// </summary>
    public static string? Negotiate(IEnumerable<string> offered, IReadOnlyList<string> supported) =>
        offered.SelectMany(o => o.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(supported.Contains);

    /// <summary>The streams a request needs: error, the stdio it asked for, and resize with a terminal from v3 on.</summary>
    public static int ExpectedStreams(string protocol, bool stdin, bool stdout, bool stderr, bool tty) =>
        1 + (stdin ? 1 : 0) + (stdout ? 1 : 0) + (stderr ? 1 : 0) + (tty && protocol is V3 or V4 ? 1 : 0);

    public static async Task ServeAsync(SpdyConnection connection, string protocol, bool stdin, bool stdout, bool stderr, bool tty,
        Func<IStdioSession> start, CancellationToken stop)
    {
        var streams = await WaitForStreams(connection, ExpectedStreams(protocol, stdin, stdout, stderr, tty), stop).ConfigureAwait(false);
        if (streams is null || !streams.TryGetValue("error", out var error))
        {
            return;
        }
        await RunAsync(new CommandStreams(error,
                stdin ? streams.GetValueOrDefault("stdin") : null,
                stdout ? streams.GetValueOrDefault("stdout") : null,
                stderr ? streams.GetValueOrDefault("stderr") : null,
                streams.GetValueOrDefault("resize")),
            protocol, start, connection.Closed, stop).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the session on the client's streams, whatever carries them (SPDY streams, WebSocket
    /// channels): output until it ends, then the status on the error stream in
    /// <paramref name="protocol"/>'s form. The client going away (<paramref name="clientGone"/>)
    /// cancels the session, which kills an exec'd process.
    /// </summary>
    internal static async Task RunAsync(CommandStreams streams, string protocol, Func<IStdioSession> start, CancellationToken clientGone, CancellationToken stop)
    {
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(clientGone, stop);
        string? failure = null;
        int? exitCode = null;
        try
        {
            using var session = start();
            if (streams.Resize is { } resize)
            {
                _ = ReadSizes(resize, session, closed.Token);
            }
            exitCode = await session.RunAsync(streams.Stdin, streams.Stdout, streams.Stderr, closed.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (closed.IsCancellationRequested)
        {
            return; // The client went away: nobody to report to.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failure = CriErrors.ToStatus(e).Detail;
        }
        foreach (var output in (Stream?[])[streams.Stdout, streams.Stderr])
        {
            if (output is not null)
            {
                await output.DisposeAsync().ConfigureAwait(false); // SPDY half-closes it
            }
        }
        var status = Status(protocol, exitCode, failure);
        if (status.Length > 0)
        {
            try
            {
                await streams.Error.WriteAsync(status, closed.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // The client is gone.
            }
        }
        await streams.Error.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Collects the client's streams by type; null when they don't all come within <see cref="StreamCreationTimeout"/> or the client goes.</summary>
    private static async Task<Dictionary<string, SpdyStream>?> WaitForStreams(SpdyConnection connection, int expected, CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(StreamCreationTimeout);
        var streams = new Dictionary<string, SpdyStream>(StringComparer.Ordinal);
        try
        {
            while (streams.Count < expected)
            {
                var stream = await connection.AcceptAsync(timeout.Token).ConfigureAwait(false);
                var type = stream.Header("streamtype");
                if (type is "error" or "stdin" or "stdout" or "stderr" or "resize" && !streams.ContainsKey(type))
                {
                    streams[type] = stream;
                }
                else
                {
                    await stream.FinishAsync().ConfigureAwait(false);
                }
            }
            return streams;
        }
        catch (Exception e) when (e is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
            if (streams.TryGetValue("error", out var error))
            {
                await error.WriteAsync(Encoding.UTF8.GetBytes($"timed out waiting for client streams: {streams.Count} of {expected} opened"), CancellationToken.None)
                    .AsTask().ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                await error.FinishAsync().ConfigureAwait(false);
            }
            return null;
        }
    }

    /// <summary>
    /// The resize stream is a sequence of JSON objects <c>{"Width":W,"Height":H}</c> (client-go
    /// TerminalSize has no JSON tags; json.Encoder puts a newline after each).
    /// </summary>
    internal static async Task ReadSizes(Stream resize, IStdioSession session, CancellationToken cancel)
    {
        var pending = new List<byte>();
        var buffer = new byte[512];
        try
        {
            int read;
            while ((read = await resize.ReadAsync(buffer, cancel).ConfigureAwait(false)) > 0)
            {
                pending.AddRange(buffer.AsSpan(0, read));
                if (pending.Count > 64 * 1024)
                {
                    return; // Not sizes.
                }
                int end;
                while ((end = pending.IndexOf((byte)'}')) >= 0)
                {
                    var text = pending.GetRange(0, end + 1).ToArray();
                    pending.RemoveRange(0, end + 1);
                    if (ParseSize(text) is { } size)
                    {
                        session.Resize(size.Width, size.Height);
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The session or the client ended.
        }
    }

    internal static (ushort Width, ushort Height)? ParseSize(ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            ushort Get(string name) =>
                root.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value is { ValueKind: JsonValueKind.Number } v
                && v.TryGetUInt16(out var n) ? n : (ushort)0;
            return (Get("Width"), Get("Height"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>What goes on the error stream (exec.go writeStatus and errorDecoderV4 in client-go).</summary>
    internal static byte[] Status(string protocol, int? exitCode, string? failure)
    {
        if (protocol != V4)
        {
            return failure is not null ? Encoding.UTF8.GetBytes(failure)
                : exitCode is { } c and not 0 ? Encoding.UTF8.GetBytes($"command terminated with non-zero exit code: exit status {c}")
                : [];
        }
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteEndObject();
            if (failure is not null)
            {
                // apierrors.NewInternalError
                json.WriteString("status", "Failure");
                json.WriteString("message", $"Internal error occurred: {failure}");
                json.WriteString("reason", "InternalError");
                json.WriteStartObject("details");
                json.WriteStartArray("causes");
                json.WriteStartObject();
                json.WriteString("message", failure);
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteNumber("code", 500);
            }
            else if (exitCode is { } code and not 0)
            {
                var text = code.ToString(CultureInfo.InvariantCulture);
                json.WriteString("status", "Failure");
                json.WriteString("message", $"command terminated with non-zero exit code: exit status {text}");
                json.WriteString("reason", "NonZeroExitCode");
                json.WriteStartObject("details");
                json.WriteStartArray("causes");
                json.WriteStartObject();
                // metav1.StatusCause's Type is "reason" in JSON.
                json.WriteString("reason", "ExitCode");
                json.WriteString("message", text);
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
            }
            else
            {
                json.WriteString("status", "Success");
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}

/// <summary>A remote command's streams: the error stream always, the others as the request asked (resize with a terminal).</summary>
internal sealed record CommandStreams(Stream Error, Stream? Stdin, Stream? Stdout, Stream? Stderr, Stream? Resize);
