using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace KafkaPractice.Core.Cache.Idempotency;

/// <summary>
/// Remembers <c>Idempotency-Key</c>s in Redis: first a short-lived "in flight" entry (claimed
/// atomically, so two concurrent requests cannot both proceed), then the answer the first
/// request got, for <see cref="CompletedTtl"/>. Each entry holds a fingerprint of the request
/// body, so a key reused for a different body is recognised. Keys are stored hashed.
/// </summary>
public sealed class IdempotencyStore(IConnectionMultiplexer redis)
{
    public static readonly TimeSpan CompletedTtl = TimeSpan.FromHours(24);

    // Claims the key when it is free; otherwise returns what is there.
    private const string BeginScript = """
        local existing = redis.call('GET', KEYS[1])
        if existing then return existing end
        redis.call('SET', KEYS[1], 'p|' .. ARGV[1], 'PX', ARGV[2])
        return false
        """;

    // Gives a claim back, but only our own and only while it is still in flight.
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == 'p|' .. ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    private IDatabase Db => redis.GetDatabase();

    public static string Fingerprint(string canonicalRequest) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)));

    public Task<IdempotencyClaim> TryBeginAsync(string scope, string key, string fingerprint, TimeSpan inFlightTtl) =>
        CacheUnavailableException.Guard(async () =>
        {
            var result = await Db.ScriptEvaluateAsync(BeginScript, [StoreKey(scope, key)],
                [fingerprint, (long)inFlightTtl.TotalMilliseconds]).ConfigureAwait(false);
            return result.IsNull ? IdempotencyClaim.Claimed : Parse((string?)result, fingerprint);
        });

    public Task CompleteAsync(string scope, string key, string fingerprint, string response) =>
        CacheUnavailableException.Guard(() => Db.StringSetAsync(StoreKey(scope, key), $"c|{fingerprint}|{response}", CompletedTtl));

    public Task ReleaseAsync(string scope, string key, string fingerprint) =>
        CacheUnavailableException.Guard(() => Db.ScriptEvaluateAsync(ReleaseScript, [StoreKey(scope, key)], [fingerprint]));

    public static IdempotencyClaim Parse(string? stored, string fingerprint)
    {
        if (stored is null)
        {
            return IdempotencyClaim.Claimed;
        }
        var parts = stored.Split('|', 3);
        var sameBody = parts.Length >= 2 && parts[1] == fingerprint;
        return parts[0] switch
        {
            "p" => IdempotencyClaim.InFlight,
            "c" when sameBody && parts.Length == 3 => IdempotencyClaim.Completed(parts[2]),
            "c" => IdempotencyClaim.Reused,
            _ => IdempotencyClaim.InFlight,
        };
    }

    /// <summary>Where a key is remembered (hashed, so the stored keys say nothing about the raw ones).</summary>
    public static RedisKey StoreKey(string scope, string key) => $"idempotency:{scope}:{Fingerprint(key)}";
}

public enum IdempotencyState
{
    /// <summary>This request owns the key now; it must complete or release it.</summary>
    Claimed,
    /// <summary>Another request with the key has not finished yet.</summary>
    InFlight,
    /// <summary>A request with the key and the same body finished; <see cref="IdempotencyClaim.Response"/> is its answer.</summary>
    Completed,
    /// <summary>The key was used for a different body.</summary>
    Reused,
}

public sealed record IdempotencyClaim(IdempotencyState State, string? Response = null)
{
    public static readonly IdempotencyClaim Claimed = new(IdempotencyState.Claimed);
    public static readonly IdempotencyClaim InFlight = new(IdempotencyState.InFlight);
    public static readonly IdempotencyClaim Reused = new(IdempotencyState.Reused);
    public static IdempotencyClaim Completed(string response) => new(IdempotencyState.Completed, response);
}
