using System.Globalization;
using System.Text;
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
/// First-come-first-served coupon stock in Redis. Per campaign, every key tagged <c>{id}</c> (one
/// hash slot, so each script runs on one node of a Redis Cluster):
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
/// <item><c>coupons:{id}:loaded</c>: present once the campaign was loaded into this server (a
/// flush or a restart empties it), the proof <see cref="ProvenLossAgeAsync"/> reads;</item>
/// <item><c>coupons:loaded-campaigns</c> set (no tag, written apart from the scripts): every
/// campaign loaded since this server started, where the settler looks for unsettled entries.</item>
/// </list>
/// A campaign counts as loaded only when both its meta hash and the sentinel are present; any
/// other state (Redis restarted empty, a key evicted or deleted) reads as not loaded, and nothing
/// is reserved until it has been rebuilt from MySQL. The scripts are <c>Scripts/coupon_*.lua</c>.
/// </summary>
public sealed class CouponStock(IConnectionMultiplexer redis)
{
    public const string Sentinel = "0";

    /// <summary>Every campaign loaded since this Redis server started (only a flush or a restart empties it): where the settler looks.</summary>
    public static readonly RedisKey LoadedCampaignsKey = "coupons:loaded-campaigns";

    /// <summary>
    /// Where an earlier version registered campaigns with unsettled entries (from inside its
    /// scripts, in another hash slot). Only read, so entries written before an upgrade are still settled.
    /// </summary>
    public static readonly RedisKey LegacyUncertainCampaignsKey = "coupons:uncertain-campaigns";

    private static readonly CacheScript Reserve = CacheScript.Get("coupon_reserve", withClock: true);
    private static readonly CacheScript Release = CacheScript.Get("coupon_release");
    private static readonly CacheScript MarkUncertain = CacheScript.Get("coupon_mark_uncertain", withClock: true);
    private static readonly CacheScript Settle = CacheScript.Get("coupon_settle");
    private static readonly CacheScript Install = CacheScript.Get("coupon_install", withClock: true);
    private static readonly CacheScript LossAge = CacheScript.Get("coupon_loss_age");
    private static readonly CacheScript Due = CacheScript.Get("coupon_due", withClock: true);
    private static readonly CacheScript Counts = CacheScript.Get("coupon_counts");

    private IDatabase Db => redis.GetDatabase();

    public static RedisKey MetaKey(string campaignId) => $"coupons:{{{Tag(campaignId)}}}:meta";
    public static RedisKey HoldersKey(string campaignId) => $"coupons:{{{Tag(campaignId)}}}:holders";
    public static RedisKey UncertainKey(string campaignId) => $"coupons:{{{Tag(campaignId)}}}:uncertain";
    public static RedisKey LoadedKey(string campaignId) => $"coupons:{{{Tag(campaignId)}}}:loaded";
    private static RedisKey StagingKey(string campaignId) => $"coupons:{{{Tag(campaignId)}}}:staging:{Guid.NewGuid():N}";

    /// <summary>
    /// What goes between the braces: the id itself, unless it holds a brace (a campaign id may be
    /// any text). Redis hashes only up to the first <c>}</c>, and an id starting with one would leave
    /// the tag empty (each key then hashed whole, in slots of its own); such an id is written as
    /// <c>{</c> + its UTF-8 in hex instead, which no brace-free id can look like.
    /// </summary>
    private static string Tag(string campaignId) =>
        campaignId.AsSpan().IndexOfAny('{', '}') < 0 ? campaignId : "{" + Convert.ToHexString(Encoding.UTF8.GetBytes(campaignId));

    // The keys of each script, one campaign's tag in every one: the calls below and ScriptKeys use these.
    private static RedisKey[] ReserveKeys(string c) => [MetaKey(c), HoldersKey(c), UncertainKey(c)];
    private static RedisKey[] ReleaseKeys(string c) => [MetaKey(c), HoldersKey(c), UncertainKey(c)];
    private static RedisKey[] MarkUncertainKeys(string c) => [MetaKey(c), HoldersKey(c), UncertainKey(c)];
    private static RedisKey[] SettleKeys(string c) => [HoldersKey(c), UncertainKey(c)];
    private static RedisKey[] InstallKeys(string c, RedisKey staging) => [MetaKey(c), HoldersKey(c), staging, UncertainKey(c), LoadedKey(c)];
    private static RedisKey[] LossAgeKeys(string c) => [LoadedKey(c)];
    private static RedisKey[] DueKeys(string c) => [UncertainKey(c)];
    private static RedisKey[] CountsKeys(string c) => [MetaKey(c), HoldersKey(c)];

    /// <summary>Every script of the coupon stock with the keys it is called with for <paramref name="campaignId"/>.</summary>
    public static IReadOnlyList<(CacheScript Script, RedisKey[] Keys)> ScriptKeys(string campaignId) =>
    [
        (Reserve, ReserveKeys(campaignId)),
        (Release, ReleaseKeys(campaignId)),
        (MarkUncertain, MarkUncertainKeys(campaignId)),
        (Settle, SettleKeys(campaignId)),
        (Install, InstallKeys(campaignId, StagingKey(campaignId))),
        (LossAge, LossAgeKeys(campaignId)),
        (Due, DueKeys(campaignId)),
        (Counts, CountsKeys(campaignId)),
    ];

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
            // The member cache is another slot: read first. Ids are only ever added to it, so a
            // member found here is still a member when the script runs.
            var known = await Db.SetContainsAsync(MemberCache.MemberIdsKey, memberId).ConfigureAwait(false);
            var result = (RedisResult[])(await Db.ScriptEvaluateAsync(Reserve.Text, ReserveKeys(campaignId),
                [memberId, NewNonce(), known ? "1" : "0"]).ConfigureAwait(false))!;
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
            (long)await Db.ScriptEvaluateAsync(Release.Text, ReleaseKeys(campaignId),
                [memberId, reservation.Epoch, reservation.Stamp]).ConfigureAwait(false) == 1);

    /// <summary>Keeps the slot and notes that the record may or may not have landed.</summary>
    public Task MarkUncertainAsync(string campaignId, long memberId) =>
        CacheUnavailableException.Guard(() => Db.ScriptEvaluateAsync(MarkUncertain.Text, MarkUncertainKeys(campaignId),
            [memberId, NewNonce()]));

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
            Db.ScriptEvaluate(Settle.Text, SettleKeys(campaignId), [memberId, reservation.Stamp, "0"], CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Left in place, the entry is settled as issued: the record is acknowledged.
        }
    }

    /// <summary>
    /// The campaigns with unsettled entries now: of those loaded since this server started (and
    /// those an earlier version registered), the ones whose entry hash exists (an empty hash does
    /// not). One pipelined round trip for the lot.
    /// </summary>
    public Task<string[]> UncertainCampaignsAsync() =>
        CacheUnavailableException.Guard(async () =>
        {
            var loaded = Db.SetMembersAsync(LoadedCampaignsKey);
            var legacy = Db.SetMembersAsync(LegacyUncertainCampaignsKey);
            var campaigns = (await loaded.ConfigureAwait(false)).Concat(await legacy.ConfigureAwait(false))
                .Select(v => (string)v!).Distinct(StringComparer.Ordinal).ToArray();
            var exists = campaigns.Select(c => Db.KeyExistsAsync(UncertainKey(c))).ToArray();
            await Task.WhenAll(exists).ConfigureAwait(false);
            return campaigns.Where((_, i) => exists[i].Result).ToArray();
        });

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
            var pairs = (RedisResult[])(await Db.ScriptEvaluateAsync(Due.Text, DueKeys(campaignId),
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
            (long)await Db.ScriptEvaluateAsync(Settle.Text, SettleKeys(campaignId),
                [memberId, expectedValue, release ? "1" : "0"]).ConfigureAwait(false) == 1);

    public Task<CampaignCounts> CountsAsync(string campaignId) =>
        CacheUnavailableException.Guard(async () =>
        {
            var r = (RedisResult[])(await Db.ScriptEvaluateAsync(Counts.Text, CountsKeys(campaignId)).ConfigureAwait(false))!;
            return new CampaignCounts((long)r[0] == 1, (int)r[1], (int)r[2]);
        });

    public Task<bool> IsHolderAsync(string campaignId, long memberId) =>
        CacheUnavailableException.Guard(() => Db.SetContainsAsync(HoldersKey(campaignId), memberId));

    /// <summary>Adds a member MySQL knows but the member cache did not have yet (it is rebuilt lazily).</summary>
    public Task AddKnownMemberAsync(long memberId) =>
        CacheUnavailableException.Guard(() => Db.SetAddAsync(MemberCache.MemberIdsKey, memberId));

    /// <summary>
    /// How long ago a campaign's keys were lost at the latest, when Redis can prove it: the
    /// campaign was never loaded since this server started (no <see cref="LoadedKey"/>, and it is
    /// not in <see cref="LoadedCampaignsKey"/> either) and nothing was flushed or evicted since, so
    /// whatever keys it had went with the previous server, which stopped (at least) its uptime ago.
    /// Null when that cannot be proved: a rebuild then waits its whole grace from now. The
    /// server's figures are read by a script on the campaign's own slot: on a Redis Cluster, the
    /// node that held the lost keys.
    /// </summary>
    public Task<TimeSpan?> ProvenLossAgeAsync(string campaignId) =>
        CacheUnavailableException.Guard(async () =>
        {
            // Either record of a load since the start rules the proof out.
            if (await Db.SetContainsAsync(LoadedCampaignsKey, campaignId).ConfigureAwait(false))
            {
                return null;
            }
            // INFO through a script: the client refuses it outside admin mode, the server allows it here.
            var result = await Db.ScriptEvaluateAsync(LossAge.Text, LossAgeKeys(campaignId)).ConfigureAwait(false);
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
    /// False when the campaign was loaded meanwhile (nothing changed). The campaign joins
    /// <see cref="LoadedCampaignsKey"/> first, so the settler finds every entry written after the swap.
    /// </summary>
    public Task<bool> InstallAsync(
        string campaignId, int stock, IAsyncEnumerable<IReadOnlyCollection<long>> holderPages,
        IReadOnlyCollection<long> uncertain, CancellationToken cancellationToken) =>
        CacheUnavailableException.Guard(async () =>
        {
            await Db.SetAddAsync(LoadedCampaignsKey, campaignId).ConfigureAwait(false);
            var staging = StagingKey(campaignId);
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
            };
            args.AddRange(members);
            return (long)await Db.ScriptEvaluateAsync(Install.Text, InstallKeys(campaignId, staging), args.ToArray()).ConfigureAwait(false) == 1;
        });
}
