using System.Net;

namespace Sublet.Integration.Tests;

/// <summary>
/// A counting pass-through in front of a <see cref="LocalRegistry"/>, on 127.0.0.1 and a free
/// port: every request is forwarded as it came (with its Range header) and recorded with the
/// status and the body bytes sent back, so a test can count blob downloads and bytes. It can hold
/// a blob's body back (<see cref="BlobDelay"/>, so that pulls overlap) or stop one mid-body for
/// good (<see cref="StallNext"/>, a download to kill). Dispose stops it, also the stalled answers.
/// </summary>
internal sealed class RegistryProxy : IDisposable
{
    private readonly HttpListener _listener;
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromMinutes(2) };
    private readonly string _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Exchange> _exchanges = [];
    private readonly Dictionary<string, long> _stalls = [];

    /// <summary>One request and what went back.</summary>
    public sealed record Exchange(string Method, string Path, string? Range, int Status, long BodyBytes)
    {
        /// <summary>The digest of a blob request (<c>/v2/NAME/blobs/sha256:…</c>), else null.</summary>
        public string? Blob => Path.IndexOf("/blobs/sha256:", StringComparison.Ordinal) is var i and >= 0 ? Path[(i + 7)..] : null;
    }

    public RegistryProxy(LocalRegistry registry)
    {
        _target = registry.Url;
        _listener = LoopbackListener.Start(out var port);
        Port = port;
        _ = Task.Run(Serve);
    }

    public int Port { get; }

    /// <summary>The registry domain sublet is given: images are named <c>127.0.0.1:PORT/repo:tag</c>.</summary>
    public string Domain => $"127.0.0.1:{Port}";

    /// <summary>How long each blob body is held back before it is sent.</summary>
    public TimeSpan BlobDelay { get; set; }

    /// <summary>The next GET of <paramref name="digest"/> sends <paramref name="bytes"/> body bytes, then nothing more until Dispose.</summary>
    public void StallNext(string digest, long bytes)
    {
        lock (_stalls) _stalls[digest] = bytes;
    }

    /// <summary>The exchanges so far, in the order they ended (a stalled one is recorded when it stalls).</summary>
    public IReadOnlyList<Exchange> Exchanges
    {
        get
        {
            lock (_exchanges) return [.. _exchanges];
        }
    }

    private async Task Serve()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => Forward(context));
        }
    }

    private async Task Forward(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.RawUrl ?? "/";
        var range = request.Headers["Range"];
        var status = 0;
        long sent = 0;
        try
        {
            using var outgoing = new HttpRequestMessage(new HttpMethod(request.HttpMethod), _target + path);
            foreach (var name in new[] { "Range", "Accept", "Authorization" })
            {
                if (request.Headers.GetValues(name) is { } values) outgoing.Headers.TryAddWithoutValidation(name, values);
            }
            using var answer = await _upstream.SendAsync(outgoing, HttpCompletionOption.ResponseHeadersRead, _stop.Token);
            status = (int)answer.StatusCode;
            response.StatusCode = status;
            foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
            {
                if (name is "Content-Length" or "Transfer-Encoding" or "Connection" or "Date" or "Server" or "Keep-Alive") continue;
                foreach (var value in values) response.Headers.Add(name, value);
            }
            if (answer.Content.Headers.ContentLength is { } length) response.ContentLength64 = length;
            var blob = new Exchange(request.HttpMethod, path, range, status, 0).Blob;
            long stallAt = -1;
            if (blob is not null && request.HttpMethod == "GET")
            {
                lock (_stalls)
                {
                    if (_stalls.Remove(blob, out var at)) stallAt = at;
                }
                if (BlobDelay > TimeSpan.Zero) await Task.Delay(BlobDelay, _stop.Token);
            }
            await using var body = await answer.Content.ReadAsStreamAsync(_stop.Token);
            var buffer = new byte[1 << 16];
            int n;
            while ((n = await body.ReadAsync(buffer.AsMemory(0, stallAt >= 0 ? (int)Math.Min(buffer.Length, stallAt - sent) : buffer.Length), _stop.Token)) > 0)
            {
                await response.OutputStream.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
                sent += n;
                if (stallAt >= 0 && sent >= stallAt)
                {
                    await response.OutputStream.FlushAsync(_stop.Token);
                    Record(request.HttpMethod, path, range, status, sent);
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }
            }
            response.Close();
        }
        catch (Exception e) when (e is IOException or HttpRequestException or HttpListenerException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The client went away (a killed pull), or the proxy is stopping.
            response.Abort();
            if (status != 0 && sent > 0 && !_stop.IsCancellationRequested) Record(request.HttpMethod, path, range, status, sent);
            return;
        }
        Record(request.HttpMethod, path, range, status, sent);
    }

    private void Record(string method, string path, string? range, int status, long sent)
    {
        lock (_exchanges) _exchanges.Add(new Exchange(method, path, range, status, sent));
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _upstream.Dispose();
    }
}
