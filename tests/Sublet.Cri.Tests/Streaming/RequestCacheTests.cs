using Sublet.Cri.Streaming;

namespace Sublet.Cri.Tests.Streaming;

public sealed class RequestCacheTests
{
    private sealed class MovingTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void A_token_is_eight_url_safe_characters_and_works_once()
    {
        var cache = new RequestCache(new MovingTime());
        var request = new object();
        var token = cache.Insert(request)!;
        Assert.Matches("^[A-Za-z0-9_-]{8}$", token);
        Assert.Same(request, cache.Consume(token));
        Assert.Null(cache.Consume(token));
    }

    [Fact]
    public void A_token_expires_after_one_minute()
    {
        var time = new MovingTime();
        var cache = new RequestCache(time);
        var fresh = cache.Insert("a")!;
        var stale = cache.Insert("b")!;
        time.Now += TimeSpan.FromSeconds(59);
        Assert.Equal("a", cache.Consume(fresh));
        time.Now += TimeSpan.FromSeconds(1);
        Assert.Null(cache.Consume(stale));
    }

    [Fact]
    public void Unknown_tokens_give_nothing()
    {
        var cache = new RequestCache(new MovingTime());
        cache.Insert("a");
        Assert.Null(cache.Consume("AAAAAAAA"));
        Assert.Null(cache.Consume(""));
    }

    [Fact]
    public void At_most_a_thousand_wait_and_expired_ones_make_room()
    {
        var time = new MovingTime();
        var cache = new RequestCache(time);
        var tokens = Enumerable.Range(0, RequestCache.MaxInFlight).Select(i => cache.Insert(i)).ToList();
        Assert.All(tokens, Assert.NotNull);
        Assert.Equal(RequestCache.MaxInFlight, tokens.Distinct().Count());
        Assert.Null(cache.Insert("one too many"));
        time.Now += RequestCache.Lifetime;
        Assert.NotNull(cache.Insert("after expiry"));
    }
}
