using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace KafkaPractice.Core.Cache.Members;

/// <summary>
/// What the API may know about members without asking MySQL. Written by the consumer after its
/// database transaction commits (and rebuilt from MySQL when Redis lost it); MySQL stays the
/// truth, so every entry here is a hint that can only be late, never wrong.
/// </summary>
/// <remarks>
/// Keys: <c>members:ids</c> (set of member ids, for the coupon flow's membership check),
/// <c>members:{registry}:email-hashes</c> (set of SHA-256 of lower-cased emails: no address in clear
/// text), <c>members:{registry}:registrations:{registrationId}</c> (an accepted registration, with a
/// TTL), <c>members:cache:built:2</c> (present once the sets were filled from MySQL; gone after a
/// Redis restart without persistence, which tells the worker to rebuild; its suffix counts key
/// layouts, so a new layout is rebuilt too). The email set and the registration marks share the
/// hash tag <c>{registry}</c>: the one script a registration runs touches a single hash slot.
/// </remarks>
public sealed class MemberCache(IConnectionMultiplexer redis)
{
    public static readonly RedisKey MemberIdsKey = "members:ids";
    public static readonly RedisKey EmailHashesKey = "members:{registry}:email-hashes";
    public static readonly RedisKey BuiltMarkerKey = "members:cache:built:2";
    private const string RegistrationPrefix = "members:{registry}:registrations:";

    private static readonly CacheScript RegistrationBegin = CacheScript.Get("member_registration_begin");

    /// <summary>Every script of the member cache with the keys it is called with (one hash slot each).</summary>
    public static IReadOnlyList<(CacheScript Script, RedisKey[] Keys)> ScriptKeys(Guid registrationId) =>
        [(RegistrationBegin, [EmailHashesKey, RegistrationKey(registrationId)])];

    /// <summary>How long the API remembers an accepted registration that the consumer has not written yet.</summary>
    public static readonly TimeSpan AcceptedRegistrationTtl = TimeSpan.FromDays(7);

    private IDatabase Db => redis.GetDatabase();

    /// <summary>SHA-256 of <c>member-email:</c> and the lower-cased email, as 64 lower-case hex digits.</summary>
    public static string EmailHash(string emailKey)
    {
        const string prefix = "member-email:";
        // On the stack up to any valid address (254 characters): the hex digits are the one allocation.
        var most = Encoding.UTF8.GetMaxByteCount(prefix.Length + emailKey.Length);
        Span<byte> input = most <= 1024 ? stackalloc byte[most] : new byte[most];
        var length = Encoding.UTF8.GetBytes(prefix, input);
        length += Encoding.UTF8.GetBytes(emailKey, input[length..]);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input[..length], hash);
        return Convert.ToHexStringLower(hash);
    }

    public Task<bool> IsMemberAsync(long memberId) =>
        CacheUnavailableException.Guard(() => Db.SetContainsAsync(MemberIdsKey, memberId));

    /// <summary>
    /// One round trip before a registration's produce: true when the email is known to be taken
    /// (nothing is marked); otherwise marks <paramref name="registrationId"/> accepted and returns false.
    /// </summary>
    public Task<bool> BeginRegistrationAsync(string emailKey, Guid registrationId) =>
        CacheUnavailableException.Guard(async () =>
        {
            var taken = await Db.ScriptEvaluateAsync(RegistrationBegin.Text, [EmailHashesKey, RegistrationKey(registrationId)],
                [EmailHash(emailKey), (long)AcceptedRegistrationTtl.TotalMilliseconds]).ConfigureAwait(false);
            return (long)taken == 1;
        });

    public Task MarkRegistrationAcceptedAsync(Guid registrationId) =>
        CacheUnavailableException.Guard(() => Db.StringSetAsync(RegistrationKey(registrationId), "accepted", AcceptedRegistrationTtl));

    /// <summary>Removes the mark of a registration whose produce failed (it was never accepted).</summary>
    public Task ForgetRegistrationAsync(Guid registrationId) =>
        CacheUnavailableException.Guard(() => Db.KeyDeleteAsync(RegistrationKey(registrationId)));

    public Task<bool> IsRegistrationAcceptedAsync(Guid registrationId) =>
        CacheUnavailableException.Guard(() => Db.KeyExistsAsync(RegistrationKey(registrationId)));

    public Task AddMembersAsync(IReadOnlyCollection<(long MemberId, string EmailKey)> members)
    {
        if (members.Count == 0)
        {
            return Task.CompletedTask;
        }
        return CacheUnavailableException.Guard(async () =>
        {
            var batch = Db.CreateBatch();
            var ids = batch.SetAddAsync(MemberIdsKey, members.Select(m => (RedisValue)m.MemberId).ToArray());
            var emails = batch.SetAddAsync(EmailHashesKey, members.Select(m => (RedisValue)EmailHash(m.EmailKey)).ToArray());
            batch.Execute();
            await Task.WhenAll(ids, emails).ConfigureAwait(false);
            return true;
        });
    }

    public Task<bool> IsBuiltAsync() => CacheUnavailableException.Guard(() => Db.KeyExistsAsync(BuiltMarkerKey));

    /// <summary>Adds every member from <paramref name="pages"/> (MySQL), then sets the built marker.</summary>
    public Task RebuildAsync(IAsyncEnumerable<IReadOnlyCollection<(long MemberId, string EmailKey)>> pages, DateTimeOffset now, CancellationToken cancellationToken) =>
        CacheUnavailableException.Guard(async () =>
        {
            await foreach (var page in pages.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await AddMembersAsync(page).ConfigureAwait(false);
            }
            await Db.StringSetAsync(BuiltMarkerKey, now.ToString("O", System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
            return true;
        });

    private static RedisKey RegistrationKey(Guid registrationId) => $"{RegistrationPrefix}{registrationId:D}";
}
