extern alias api;

using System.Threading.RateLimiting;
using api::KafkaPractice.Producer.Api.Admission;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KafkaPractice.Tests.Security;

/// <summary>
/// The per-member token buckets with a fake clock: a bucket of PermitsPerSecond + Burst, refilled
/// at PermitsPerSecond from the time since the member last asked, a refusal that says how long
/// to wait, members independent of each other, and buckets forgotten only once full again.
/// </summary>
public sealed class MemberTokenBucketsTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-02T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly MemberTokenBuckets _buckets;

    public MemberTokenBucketsTests() =>
        _buckets = new MemberTokenBuckets(Options.Create(new MemberRateLimitOptions { PermitsPerSecond = 10, Burst = 5 }), _time);

    [Fact]
    public void A_member_gets_the_whole_bucket_at_once_then_is_refused_with_the_wait_for_one_token()
    {
        for (var i = 0; i < 15; i++)
        {
            Assert.True(_buckets.TryTake(7).IsAcquired, $"request {i + 1} of the first 15");
        }
        using var refused = _buckets.TryTake(7);
        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var wait));
        Assert.Equal(TimeSpan.FromMilliseconds(100), wait);
    }

    [Fact]
    public void Tokens_come_back_at_the_configured_rate_and_never_beyond_the_bucket()
    {
        for (var i = 0; i < 15; i++)
        {
            _buckets.TryTake(7).Dispose();
        }
        _time.Advance(TimeSpan.FromMilliseconds(350));
        Assert.Equal(3, TakeAll(7));

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(15, TakeAll(7));
    }

    [Fact]
    public void Members_do_not_share_a_bucket()
    {
        Assert.Equal(15, TakeAll(1));
        Assert.Equal(15, TakeAll(2));
        Assert.False(_buckets.TryTake(1).IsAcquired);
    }

    [Fact]
    public void The_sweep_forgets_only_buckets_that_are_full_again()
    {
        Assert.Equal(15, TakeAll(1));
        _time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 10; i++)
        {
            _buckets.TryTake(2).Dispose();
        }
        _time.Advance(TimeSpan.FromSeconds(1));
        _buckets.TryTake(3).Dispose();
        Assert.Equal(3, _buckets.Count);

        // Member 1 refilled 20 tokens' worth (capped at 15), member 2 10 (it had 5 left): both full.
        // Member 3 used one token 0 s ago: it keeps its bucket.
        _buckets.Sweep();
        Assert.Equal(1, _buckets.Count);
        Assert.Equal(14, TakeAll(3));
    }

    [Fact]
    public void Through_the_middleware_a_request_without_a_member_is_never_limited()
    {
        var context = new DefaultHttpContext();
        for (var i = 0; i < 100; i++)
        {
            Assert.True(_buckets.AttemptAcquire(context).IsAcquired);
        }
        context.Features.Set(new MemberPartitionFeature(42));
        Assert.Equal(15, Enumerable.Range(0, 20).Count(_ => _buckets.AttemptAcquire(context).IsAcquired));
        context.Features.Set(new MemberPartitionFeature(null));
        Assert.True(_buckets.AttemptAcquire(context).IsAcquired);
    }

    [Fact]
    public async Task Many_threads_on_one_member_get_exactly_the_bucket()
    {
        var admitted = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                if (_buckets.TryTake(9).IsAcquired)
                {
                    Interlocked.Increment(ref admitted);
                }
            }
        })));
        Assert.Equal(15, admitted);
    }

    public void Dispose() => _buckets.Dispose();

    private int TakeAll(long memberId)
    {
        var taken = 0;
        while (_buckets.TryTake(memberId).IsAcquired)
        {
            taken++;
        }
        return taken;
    }
}
