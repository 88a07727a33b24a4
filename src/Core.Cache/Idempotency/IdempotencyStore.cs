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

    private static readonly CacheScript Begin = CacheScript.Get("idempotency_begin");
    private static readonly CacheScript Release = CacheScript.Get("idempotency_release");

    /// <summary>Every script of the store with the keys it is called with: one key each, so one hash slot.</summary>
    public static IReadOnlyList<(CacheScript Script, RedisKey[] Keys)> ScriptKeys(string scope, string key) =>
        [(Begin, [StoreKey(scope, key)]), (Release, [StoreKey(scope, key)])];

    private IDatabase Db => redis.GetDatabase();

    public static string Fingerprint(string canonicalRequest) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)));

    /// <summary>A fresh id for one attempt at a keyed request: the claim it takes carries it, and only it can give the claim back.</summary>
    public static string NewAttempt() => Guid.NewGuid().ToString("N");

    public Task<IdempotencyClaim> TryBeginAsync(string scope, string key, string fingerprint, string attempt, TimeSpan inFlightTtl) =>
        CacheUnavailableException.Guard(async () =>
        {
            var result = await Db.ScriptEvaluateAsync(Begin.Text, [StoreKey(scope, key)],
                [fingerprint, (long)inFlightTtl.TotalMilliseconds, attempt]).ConfigureAwait(false);
            return result.IsNull ? IdempotencyClaim.Claimed : Parse((string?)result, fingerprint);
        });

    public Task CompleteAsync(string scope, string key, string fingerprint, string response) =>
        CacheUnavailableException.Guard(() => Db.StringSetAsync(StoreKey(scope, key), $"c|{fingerprint}|{response}", CompletedTtl));

    public Task ReleaseAsync(string scope, string key, string fingerprint, string attempt) =>
        CacheUnavailableException.Guard(() => Db.ScriptEvaluateAsync(Release.Text, [StoreKey(scope, key)], [fingerprint, attempt]));

    /// <summary>
    /// Gives back a claim whose <see cref="TryBeginAsync"/> got no answer: Redis may have run it after
    /// the caller stopped waiting, and then retries would read "in flight" until it expired. Sent on
    /// the same connection without waiting, so Redis runs it after the claim if the claim ever ran;
    /// it deletes nothing but this attempt's own claim.
    /// </summary>
    public void AbandonClaim(string scope, string key, string fingerprint, string attempt)
    {
        try
        {
            Db.ScriptEvaluate(Release.Text, [StoreKey(scope, key)], [fingerprint, attempt], CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (CacheUnavailableException.IsRedisFailure(ex))
        {
            // Not even queued: the claim, if it ran, expires after its TTL.
        }
    }

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
