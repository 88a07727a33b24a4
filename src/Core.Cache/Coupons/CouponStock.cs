using System.Globalization;
using KafkaPractice.Core.Cache.Members;
using StackExchange.Redis;

namespace KafkaPractice.Core.Cache.Coupons;

/// <summary>What the reservation script decided, in the order it checks.</summary>
public enum ReservationStatus
{
    /// <summary>The campaign's keys are not in Redis (unknown campaign, or Redis lost them): ask MySQL.</summary>
    CampaignNotLoaded,
    MemberNotFound,
    AlreadyIssued,
    SoldOut,
    /// <summary>A slot is now held for the member; the caller must produce, then confirm or release.</summary>
    Reserved,
    /// <summary>
    /// The member already holds a slot from an earlier attempt whose produce failed ambiguously
    /// (it may have landed): produce again (the consumer writes one row), taking no new stock.
    /// </summary>
    RetryUncertain,
}

/// <param name="Status">What the script decided.</param>
/// <param name="Epoch">The campaign's load generation the decision was made in.</param>
/// <param name="Stamp">The value this attempt wrote to the unsettled entry (<c>Reserved</c> and <c>RetryUncertain</c>): its proof of ownership when it confirms or releases.</param>
public readonly record struct Reservation(ReservationStatus Status, string? Epoch, string? Stamp = null);

public readonly record struct CampaignCounts(bool Loaded, int Stock, int Taken);

/// <summary>
/// First-come-first-served coupon stock in Redis. Per campaign:
/// <list type="bullet">
/// <item><c>coupons:{id}:meta</c> hash: <c>stock</c>, and <c>epoch</c> (new on every rebuild);</item>
/// <item><c>coupons:{id}:holders</c> set: the member ids holding a coupon or a reservation, plus the
/// sentinel <c>0</c> (no member has id 0) that proves the set was loaded. Taken = SCARD - 1, so
/// there is no separate counter that could drift from the set;</item>
/// <item><c>coupons:{id}:uncertain</c> hash: member id -> stamp (<c>ms:nonce</c>, the time from
/// Redis's own clock, <c>TIME</c>, so every API instance stamps and ages entries by one clock) of
/// every slot whose Kafka outcome is not known yet. The reservation writes it in the same script that takes
/// the slot (write-ahead), the acknowledgement deletes it, a certain failure deletes it with the
/// slot, an ambiguous (PossiblyPersisted) failure renews it. An entry that outlives its attempt
/// (the API crashed, or the produce failed ambiguously) is settled later against MySQL;</item>
/// <item><c>coupons:uncertain-campaigns</c> set: campaigns that may have such entries.</item>
/// </list>
/// A campaign counts as loaded only when both its meta hash and the sentinel are present; any
/// other state (Redis restarted empty, a key evicted or deleted) reads as not loaded, and nothing
/// is reserved until it has been rebuilt from MySQL.
/// </summary>
public sealed class CouponStock(IConnectionMultiplexer redis)
{
    public const string Sentinel = "0";
    public static readonly RedisKey UncertainCampaignsKey = "coupons:uncertain-campaigns";

    /// <summary>Every campaign loaded since this Redis server started (only a flush or a restart empties it).</summary>
    public static readonly RedisKey LoadedCampaignsKey = "coupons:loaded-campaigns";

    // Redis's clock in milliseconds, as a string (exact: no float formatting), for stamps and ages.
    private const string NowMs = """
        local function now_ms()
          local t = redis.call('TIME')
          return t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
        end
        """;

    // The checks run in the contract's order; only when all pass does it change anything.
    private const string ReserveScript = NowMs + "\n" + """
        local meta, holders, memberIds, uncertain, registry = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
        local member, nonce, campaign = ARGV[1], ARGV[2], ARGV[3]
        if redis.call('EXISTS', meta) == 0 or redis.call('SISMEMBER', holders, '0') == 0 then
          return {'campaign-not-loaded', false, false}
        end
        local epoch = redis.call('HGET', meta, 'epoch')
        if redis.call('SISMEMBER', memberIds, member) == 0 then return {'member-not-found', epoch, false} end
        local stamp = now_ms() .. ':' .. nonce
        if redis.call('SISMEMBER', holders, member) == 1 then
          if redis.call('HEXISTS', uncertain, member) == 1 then
            redis.call('HSET', uncertain, member, stamp)
            return {'retry-uncertain', epoch, stamp}
          end
          return {'already-issued', epoch, false}
        end
        if redis.call('SCARD', holders) - 1 >= tonumber(redis.call('HGET', meta, 'stock')) then
          return {'sold-out', epoch, false}
        end
        redis.call('SADD', holders, member)
        redis.call('HSET', uncertain, member, stamp)
        redis.call('SADD', registry, campaign)
        return {'reserved', epoch, stamp}
        """;

    // Gives a slot back after a produce that certainly did not persist. Only in the same epoch (a
    // rebuild since may have given this member's slot to a newer request of the same member) and
    // only while the entry still holds this attempt's stamp (an ambiguous failure or a retry since
    // renewed it: that attempt may have landed).
    private const string ReleaseScript = """
        local meta, holders, uncertain = KEYS[1], KEYS[2], KEYS[3]
        if redis.call('HGET', meta, 'epoch') ~= ARGV[2] or redis.call('SISMEMBER', holders, '0') == 0 then return 0 end
        if redis.call('HGET', uncertain, ARGV[1]) ~= ARGV[3] then return 0 end
        redis.call('HDEL', uncertain, ARGV[1])
        return redis.call('SREM', holders, ARGV[1])
        """;

    // Drops a campaign from the registry only if it has no entry left (a reservation may have just added one).
    private const string ForgetCampaignScript = """
        if redis.call('HLEN', KEYS[1]) == 0 then return redis.call('SREM', KEYS[2], ARGV[1]) end
        return 0
        """;

    // Keeps the slot of a produce that may have landed, and notes it for settling (stamped now, by Redis's clock).
    private const string MarkUncertainScript = NowMs + "\n" + """
        local meta, holders, uncertain, registry = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
        if redis.call('EXISTS', meta) == 0 or redis.call('SISMEMBER', holders, '0') == 0 then return 0 end
        redis.call('SADD', holders, ARGV[1])
        redis.call('HSET', uncertain, ARGV[1], now_ms() .. ':' .. ARGV[2])
        redis.call('SADD', registry, ARGV[3])
        return 1
        """;

    // Settles one unsettled entry, but only if it still holds the stamp read (compare-and-delete):
    // ARGV[3] '1' gives the slot back, '0' keeps it as a granted coupon (also how an acknowledgement confirms).
    private const string SettleScript = """
        local holders, uncertain = KEYS[1], KEYS[2]
        if redis.call('HGET', uncertain, ARGV[1]) ~= ARGV[2] then return 0 end
        redis.call('HDEL', uncertain, ARGV[1])
        if ARGV[3] == '1' then redis.call('SREM', holders, ARGV[1]) end
        return 1
        """;

    // Swaps a fully staged holder set in, with the stock and a new epoch, unless the campaign is
    // loaded already (another rebuild won), and notes the campaign as loaded in this Redis's life.
    // ARGV[3] is the campaign id, ARGV[4..] the members of uncertain entries, stamped now (Redis's clock).
    private const string InstallScript = NowMs + "\n" + """
        local meta, holders, staging, uncertain, loaded = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
        if redis.call('EXISTS', meta) == 1 and redis.call('SISMEMBER', holders, '0') == 1 then
          redis.call('DEL', staging)
          return 0
        end
        redis.call('SADD', staging, '0')
        redis.call('PERSIST', staging)
        redis.call('RENAME', staging, holders)
        redis.call('DEL', meta, uncertain)
        redis.call('HSET', meta, 'stock', ARGV[1], 'epoch', ARGV[2])
        redis.call('SADD', loaded, ARGV[3])
        local now = now_ms()
        for i = 4, #ARGV do
          redis.call('HSET', uncertain, ARGV[i], now)
        end
        return 1
        """;

    // Nil when the campaign was loaded since this server started; else the server's INFO.
    private const string LossAgeScript = """
        if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return false end
        return redis.call('INFO', 'all')
        """;

    // The unsettled entries at least ARGV[1] ms old by Redis's clock, as member, stamp pairs.
    private const string DueScript = NowMs + "\n" + """
        local cutoff = tonumber(now_ms()) - tonumber(ARGV[1])
        local entries = redis.call('HGETALL', KEYS[1])
        local due = {}
        for i = 1, #entries, 2 do
          local written = tonumber(string.match(entries[i + 1], '^(%d+)'))
          if written and written <= cutoff then
            due[#due + 1] = entries[i]
            due[#due + 1] = entries[i + 1]
          end
        end
        return due
        """;

    private const string CountsScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('SISMEMBER', KEYS[2], '0') == 0 then return {0, 0, 0} end
        return {1, tonumber(redis.call('HGET', KEYS[1], 'stock')), redis.call('SCARD', KEYS[2]) - 1}
        """;

    private IDatabase Db => redis.GetDatabase();

    public static RedisKey MetaKey(string campaignId) => $"coupons:{{{campaignId}}}:meta";
    public static RedisKey HoldersKey(string campaignId) => $"coupons:{{{campaignId}}}:holders";
    public static RedisKey UncertainKey(string campaignId) => $"coupons:{{{campaignId}}}:uncertain";

    // Tells two attempts stamped in the same millisecond apart.
    private static string NewNonce() => Random.Shared.NextInt64().ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>When an unsettled entry was written, from its stamp (<c>ms:nonce</c>, or the bare <c>ms</c> a rebuild writes).</summary>
    public static bool TryReadStampTime(string stamp, out long unixMilliseconds)
    {
        var colon = stamp.IndexOf(':', StringComparison.Ordinal);
        return long.TryParse(colon < 0 ? stamp : stamp[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out unixMilliseconds);
    }

    public Task<Reservation> ReserveAsync(string campaignId, long memberId) =>
        CacheUnavailableException.Guard(async () =>
        {
            var result = (RedisResult[])(await Db.ScriptEvaluateAsync(ReserveScript,
                [MetaKey(campaignId), HoldersKey(campaignId), MemberCache.MemberIdsKey, UncertainKey(campaignId), UncertainCampaignsKey],
                [memberId, NewNonce(), campaignId]).ConfigureAwait(false))!;
            var status = (string?)result[0] switch
            {
                "campaign-not-loaded" => ReservationStatus.CampaignNotLoaded,
                "member-not-found" => ReservationStatus.MemberNotFound,
                "already-issued" => ReservationStatus.AlreadyIssued,
                "sold-out" => ReservationStatus.SoldOut,
                "reserved" => ReservationStatus.Reserved,
                "retry-uncertain" => ReservationStatus.RetryUncertain,
                var other => throw new InvalidOperationException($"Unexpected reservation answer '{other}'."),
            };
            return new Reservation(status, result[1].IsNull ? null : (string?)result[1], result[2].IsNull ? null : (string?)result[2]);
        });

    /// <summary>Gives the slot back (the record certainly did not reach Kafka). False when it was not this attempt's to give.</summary>
    public Task<bool> ReleaseAsync(string campaignId, long memberId, Reservation reservation) =>
        CacheUnavailableException.Guard(async () =>
            (long)await Db.ScriptEvaluateAsync(ReleaseScript,
                [MetaKey(campaignId), HoldersKey(campaignId), UncertainKey(campaignId)],
                [memberId, reservation.Epoch, reservation.Stamp]).ConfigureAwait(false) == 1);

    /// <summary>Keeps the slot and notes that the record may or may not have landed.</summary>
    public Task MarkUncertainAsync(string campaignId, long memberId) =>
        CacheUnavailableException.Guard(() => Db.ScriptEvaluateAsync(MarkUncertainScript,
            [MetaKey(campaignId), HoldersKey(campaignId), UncertainKey(campaignId), UncertainCampaignsKey],
            [memberId, NewNonce(), campaignId]));

    /// <summary>
    /// Kafka acknowledged the attempt: its entry goes (unless a later attempt renewed it), and the
    /// slot is a granted coupon. Not awaited: the request's answer does not depend on it, later
    /// commands on the connection are ordered after it, and an entry it failed to delete is
    /// settled as issued (the row is in MySQL).
    /// </summary>
    public void Confirm(string campaignId, long memberId, Reservation reservation)
    {
        try
        {
            // The same compare-and-delete as settling an entry as issued: the slot stays.
            Db.ScriptEvaluate(SettleScript, [HoldersKey(campaignId), UncertainKey(campaignId)], [memberId, reservation.Stamp, "0"], CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Left in place, the entry is settled as issued: the record is acknowledged.
        }
    }

    public Task<string[]> UncertainCampaignsAsync() =>
        CacheUnavailableException.Guard(async () =>
            (await Db.SetMembersAsync(UncertainCampaignsKey).ConfigureAwait(false)).Select(v => (string)v!).ToArray());

    public Task ForgetUncertainCampaignAsync(string campaignId) =>
        CacheUnavailableException.Guard(() => Db.ScriptEvaluateAsync(ForgetCampaignScript, [UncertainKey(campaignId), UncertainCampaignsKey], [campaignId]));

    /// <summary>Unsettled entries of a campaign: member id -> the raw stored stamp (see <see cref="TryReadStampTime"/>).</summary>
    public Task<IReadOnlyList<(long MemberId, string Value)>> UncertainAsync(string campaignId) =>
        CacheUnavailableException.Guard(async () =>
        {
            var entries = await Db.HashGetAllAsync(UncertainKey(campaignId)).ConfigureAwait(false);
            return (IReadOnlyList<(long, string)>)entries.Select(e => ((long)e.Name, (string)e.Value!)).ToList();
        });

    /// <summary>The unsettled entries written at least <paramref name="age"/> ago, aged by Redis's clock (the one that stamped them).</summary>
    public Task<IReadOnlyList<(long MemberId, string Value)>> UncertainDueAsync(string campaignId, TimeSpan age) =>
        CacheUnavailableException.Guard(async () =>
        {
            var pairs = (RedisResult[])(await Db.ScriptEvaluateAsync(DueScript, [UncertainKey(campaignId)],
                [(long)age.TotalMilliseconds]).ConfigureAwait(false))!;
            var due = new List<(long, string)>(pairs.Length / 2);
            for (var i = 0; i + 1 < pairs.Length; i += 2)
            {
                due.Add(((long)pairs[i], (string)pairs[i + 1]!));
            }
            return (IReadOnlyList<(long, string)>)due;
        });

    /// <summary>Settles an uncertain entry read as <paramref name="expectedValue"/>: release the slot, or keep it as issued.</summary>
    public Task<bool> SettleUncertainAsync(string campaignId, long memberId, string expectedValue, bool release) =>
        CacheUnavailableException.Guard(async () =>
            (long)await Db.ScriptEvaluateAsync(SettleScript,
                [HoldersKey(campaignId), UncertainKey(campaignId)],
                [memberId, expectedValue, release ? "1" : "0"]).ConfigureAwait(false) == 1);

    public Task<CampaignCounts> CountsAsync(string campaignId) =>
        CacheUnavailableException.Guard(async () =>
        {
            var r = (RedisResult[])(await Db.ScriptEvaluateAsync(CountsScript, [MetaKey(campaignId), HoldersKey(campaignId)]).ConfigureAwait(false))!;
            return new CampaignCounts((long)r[0] == 1, (int)r[1], (int)r[2]);
        });

    public Task<bool> IsHolderAsync(string campaignId, long memberId) =>
        CacheUnavailableException.Guard(() => Db.SetContainsAsync(HoldersKey(campaignId), memberId));

    /// <summary>Adds a member MySQL knows but the member cache did not have yet (it is rebuilt lazily).</summary>
    public Task AddKnownMemberAsync(long memberId) =>
        CacheUnavailableException.Guard(() => Db.SetAddAsync(MemberCache.MemberIdsKey, memberId));

    /// <summary>
    /// How long ago a campaign's keys were lost at the latest, when Redis can prove it: the
    /// campaign was never loaded since this server started (it is not in
    /// <see cref="LoadedCampaignsKey"/>) and nothing was flushed or evicted since, so whatever keys it
    /// had went with the previous server, which stopped (at least) its uptime ago. Null when that
    /// cannot be proved: a rebuild then waits its whole grace from now.
    /// </summary>
    public Task<TimeSpan?> ProvenLossAgeAsync(string campaignId) =>
        CacheUnavailableException.Guard(async () =>
        {
            // INFO through a script: the client refuses it outside admin mode, the server allows it here.
            var result = await Db.ScriptEvaluateAsync(LossAgeScript, [LoadedCampaignsKey], [campaignId]).ConfigureAwait(false);
            if (result.IsNull)
            {
                return null;
            }
            var info = ((string)result!).Split('\n')
                .Select(line => line.TrimEnd('\r').Split(':', 2))
                .Where(pair => pair.Length == 2)
                .GroupBy(pair => pair[0], StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
            var flushes = CallsOf(info, "cmdstat_flushall") + CallsOf(info, "cmdstat_flushdb");
            if (flushes > 0
                || !info.TryGetValue("evicted_keys", out var evicted) || evicted != "0"
                || !info.TryGetValue("uptime_in_seconds", out var uptime)
                || !long.TryParse(uptime, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return null;
            }
            return (TimeSpan?)TimeSpan.FromSeconds(seconds);
        });

    // INFO commandstats: "cmdstat_flushall" -> "calls=1,usec=...". Absent when never called.
    private static long CallsOf(Dictionary<string, string> info, string command)
    {
        if (!info.TryGetValue(command, out var stats))
        {
            return 0;
        }
        var calls = stats.Split(',').FirstOrDefault(p => p.StartsWith("calls=", StringComparison.Ordinal));
        return calls is not null && long.TryParse(calls.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue;
    }

    /// <summary>
    /// Loads a campaign: the holders (member ids with a coupon, plus uncertain ones) are staged in
    /// pages under a key of their own, then swapped in at once with the stock and a new epoch.
    /// False when the campaign was loaded meanwhile (nothing changed).
    /// </summary>
    public Task<bool> InstallAsync(
        string campaignId, int stock, IAsyncEnumerable<IReadOnlyCollection<long>> holderPages,
        IReadOnlyCollection<long> uncertain, CancellationToken cancellationToken) =>
        CacheUnavailableException.Guard(async () =>
        {
            var staging = (RedisKey)$"coupons:{{{campaignId}}}:staging:{Guid.NewGuid():N}";
            await Db.KeyDeleteAsync(staging).ConfigureAwait(false);
            await foreach (var page in holderPages.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (page.Count > 0)
                {
                    await Db.SetAddAsync(staging, page.Select(m => (RedisValue)m).ToArray()).ConfigureAwait(false);
                    // A staging key left behind by a crashed rebuild must not live forever.
                    await Db.KeyExpireAsync(staging, TimeSpan.FromMinutes(10)).ConfigureAwait(false);
                }
            }
            var members = uncertain.Select(m => (RedisValue)m).ToArray();
            if (members.Length > 0)
            {
                await Db.SetAddAsync(staging, members).ConfigureAwait(false);
            }
            var args = new List<RedisValue>
            {
                stock.ToString(CultureInfo.InvariantCulture),
                Guid.NewGuid().ToString("N"),
                campaignId,
            };
            args.AddRange(members);
            var installed = (long)await Db.ScriptEvaluateAsync(InstallScript,
                [MetaKey(campaignId), HoldersKey(campaignId), staging, UncertainKey(campaignId), LoadedCampaignsKey], args.ToArray()).ConfigureAwait(false) == 1;
            if (installed && uncertain.Count > 0)
            {
                await Db.SetAddAsync(UncertainCampaignsKey, campaignId).ConfigureAwait(false);
            }
            return installed;
        });
}
