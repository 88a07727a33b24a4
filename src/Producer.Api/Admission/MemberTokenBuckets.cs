using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace KafkaPractice.Producer.Api.Admission;

/// <summary>
/// One token bucket per member, for ASP.NET Core's rate-limiting middleware (its global limiter).
/// A bucket is refilled when its member asks, from the time since it was last used, so nothing
/// runs per member between requests; buckets that would be full again are forgotten by a sweep
/// every <see cref="SweepInterval"/>. (A policy's partitioned limiter refills every bucket on a
/// 100 ms heartbeat instead: in a flash sale of N members that is N buckets walked ten times a
/// second, 8% of the API's CPU at 100,000 members: docs/performance.md.)
/// Requests that name no member (no <see cref="MemberPartitionFeature"/>) are not limited.
/// </summary>
public sealed class MemberTokenBuckets : PartitionedRateLimiter<HttpContext>
{
    /// <summary>How often buckets that have refilled completely are dropped.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    private static readonly RateLimitLease Admitted = new Lease(true, null);

    private readonly ConcurrentDictionary<long, Bucket> _buckets = new();
    private readonly TimeProvider _time;
    private readonly double _tokensPerTick;
    private readonly double _capacity;
    private long _nextSweep;
    private int _sweeping;

    public MemberTokenBuckets(IOptions<MemberRateLimitOptions> options, TimeProvider time)
    {
        _time = time;
        _capacity = options.Value.PermitsPerSecond + options.Value.Burst;
        _tokensPerTick = options.Value.PermitsPerSecond / (double)time.TimestampFrequency;
        _nextSweep = time.GetTimestamp() + (long)(SweepInterval.TotalSeconds * time.TimestampFrequency);
    }

    /// <summary>Members with a bucket right now (those that asked recently and have not refilled yet).</summary>
    public int Count => _buckets.Count;

    /// <summary>Takes <paramref name="permits"/> from the member's bucket; a refusal carries the wait until they would be there.</summary>
    public RateLimitLease TryTake(long memberId, int permits = 1)
    {
        var now = _time.GetTimestamp();
        SweepIfDue(now);
        while (true)
        {
            var bucket = _buckets.GetOrAdd(memberId, static (_, state) => new Bucket(state.Capacity, state.Now), (Capacity: _capacity, Now: now));
            lock (bucket)
            {
                if (bucket.Dropped)
                {
                    // The sweep removed it between the lookup and the lock: take a fresh (full) one.
                    continue;
                }
                bucket.Refill(now, _tokensPerTick, _capacity);
                if (bucket.Tokens >= permits)
                {
                    bucket.Tokens -= permits;
                    return Admitted;
                }
                var wait = TimeSpan.FromSeconds((permits - bucket.Tokens) / (_tokensPerTick * _time.TimestampFrequency));
                return new Lease(false, wait);
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) =>
        resource.Features.Get<MemberPartitionFeature>()?.MemberId is { } memberId ? TryTake(memberId, permitCount) : Admitted;

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        // No queue: a member over the limit is answered at once.
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount));

    /// <summary>Drops every bucket that has refilled completely (a new one would be the same). Runs at most once per interval.</summary>
    public void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var (memberId, bucket) in _buckets)
        {
            lock (bucket)
            {
                bucket.Refill(now, _tokensPerTick, _capacity);
                if (bucket.Tokens >= _capacity)
                {
                    bucket.Dropped = true;
                    _buckets.TryRemove(new KeyValuePair<long, Bucket>(memberId, bucket));
                }
            }
        }
    }

    private void SweepIfDue(long now)
    {
        if (now < Volatile.Read(ref _nextSweep) || Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }
        Volatile.Write(ref _nextSweep, now + (long)(SweepInterval.TotalSeconds * _time.TimestampFrequency));
        // Off the request's path: the sweep is O(buckets).
        ThreadPool.UnsafeQueueUserWorkItem(static self =>
        {
            try
            {
                self.Sweep();
            }
            finally
            {
                Volatile.Write(ref self._sweeping, 0);
            }
        }, this, preferLocal: false);
    }

    private sealed class Bucket(double tokens, long updated)
    {
        public double Tokens = tokens;
        public long Updated = updated;
        public bool Dropped;

        public void Refill(long now, double tokensPerTick, double capacity)
        {
            if (now > Updated)
            {
                Tokens = Math.Min(capacity, Tokens + ((now - Updated) * tokensPerTick));
                Updated = now;
            }
        }
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = wait;
                return true;
            }
            metadata = null;
            return false;
        }
    }
}

/// <summary>The member a rate-limited request is for (null when it names none validly), found before the endpoint runs.</summary>
public sealed class MemberPartitionFeature(long? memberId)
{
    public long? MemberId { get; } = memberId;
}
