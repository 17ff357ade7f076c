using System.Security.Cryptography;

namespace Sublet.Cri.Streaming;

/// <summary>What an Exec RPC asked for, kept until its URL is used.</summary>
internal sealed record ExecRequest(string ContainerId, IReadOnlyList<string> Command, bool Tty, bool Stdin, bool Stdout, bool Stderr);

/// <summary>What an Attach RPC asked for.</summary>
internal sealed record AttachRequest(string ContainerId, bool Tty, bool Stdin, bool Stdout, bool Stderr);

/// <summary>
/// Requests waiting for their streaming connection, as the kubelet's streaming library keeps
/// them (cri/streaming request_cache.go): an 8-character random token, good for one use within
/// a minute, at most 1000 waiting.
/// </summary>
internal sealed class RequestCache(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    public const int MaxInFlight = 1000;

    private readonly Dictionary<string, (object Request, DateTimeOffset Expires)> _waiting = new(StringComparer.Ordinal);

    /// <summary>Stores <paramref name="request"/> and returns its token; null when 1000 are waiting already.</summary>
    public string? Insert(object request)
    {
        lock (_waiting)
        {
            var now = time.GetUtcNow();
            foreach (var expired in _waiting.Where(w => w.Value.Expires <= now).Select(w => w.Key).ToList())
            {
                _waiting.Remove(expired);
            }
            if (_waiting.Count >= MaxInFlight)
            {
                return null;
            }
            string token;
            do
            {
                // 6 random bytes are 8 characters of URL-safe base64 (tokenLen = 8 upstream).
                token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(6)).Replace('+', '-').Replace('/', '_');
            }
            while (_waiting.ContainsKey(token));
            _waiting[token] = (request, now + Lifetime);
            return token;
        }
    }

    /// <summary>The request for <paramref name="token"/>, which is used up; null when unknown, used or expired.</summary>
    public object? Consume(string token)
    {
        lock (_waiting)
        {
            if (!_waiting.Remove(token, out var entry))
            {
                return null;
            }
            return entry.Expires > time.GetUtcNow() ? entry.Request : null;
        }
    }
}
