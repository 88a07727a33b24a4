using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using KafkaPractice.Core.Data;
using KafkaPractice.Core.Data.Coupons;
using Microsoft.EntityFrameworkCore;

namespace KafkaPractice.Producer.Api.Coupons;

/// <summary>
/// The coupon flow's MySQL access: campaigns (written here; they are not on the hot path) and the
/// reads the API needs (membership, coupon status, and the rows a rebuild starts from).
/// </summary>
public sealed class CampaignStore(IServiceScopeFactory scopes) : IIssuedCoupons
{
    /// <summary>Reads give up after this long, so a database outage answers 503 instead of hanging.</summary>
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);
    private const int PageSize = 5000;

    // Campaigns are never deleted and their stock never changes, so a found one can be remembered.
    private readonly ConcurrentDictionary<string, Campaign> _known = new(StringComparer.Ordinal);

    public async Task<Campaign?> FindAsync(string campaignId, CancellationToken cancellationToken)
    {
        if (_known.TryGetValue(campaignId, out var known))
        {
            return known;
        }
        var campaign = await ReadAsync((db, token) => db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == campaignId, token), cancellationToken);
        // The column's collation ignores trailing spaces ("default " finds "default"): the id must
        // be this one exactly, or the caller would reserve on keys that are never loaded.
        if (campaign is not null && !string.Equals(campaign.Id, campaignId, StringComparison.Ordinal))
        {
            return null;
        }
        if (campaign is not null)
        {
            _known[campaignId] = campaign;
        }
        return campaign;
    }

    public async Task CreateAsync(Campaign campaign, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        db.Campaigns.Add(campaign);
        using var timeout = Timeout(cancellationToken);
        await db.SaveChangesAsync(timeout.Token);
        _known[campaign.Id] = campaign;
    }

    public Task<bool> MemberExistsAsync(long memberId, CancellationToken cancellationToken) =>
        ReadAsync((db, token) => db.Members.AsNoTracking().AnyAsync(m => m.Id == memberId, token), cancellationToken);

    public Task<Coupon?> FindCouponAsync(string campaignId, long memberId, CancellationToken cancellationToken) =>
        ReadAsync((db, token) => db.Coupons.AsNoTracking().FirstOrDefaultAsync(c => c.CampaignId == campaignId && c.MemberId == memberId, token), cancellationToken);

    public Task<int> CountCouponsAsync(string campaignId, CancellationToken cancellationToken) =>
        ReadAsync((db, token) => db.Coupons.AsNoTracking().CountAsync(c => c.CampaignId == campaignId, token), cancellationToken);

    public async Task<HashSet<long>> MembersWithCouponAsync(string campaignId, IReadOnlyCollection<long> memberIds, CancellationToken cancellationToken)
    {
        if (memberIds.Count == 0)
        {
            return [];
        }
        var found = await ReadAsync((db, token) => db.Coupons.AsNoTracking()
            .Where(c => c.CampaignId == campaignId && memberIds.Contains(c.MemberId))
            .Select(c => c.MemberId)
            .ToListAsync(token), cancellationToken);
        return found.ToHashSet();
    }

    /// <summary>Every member with a coupon in the campaign, in pages (a campaign may hold a million).</summary>
    public async IAsyncEnumerable<IReadOnlyCollection<long>> CouponHoldersAsync(string campaignId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long after = 0;
        while (true)
        {
            var page = await ReadAsync((db, token) => db.Coupons.AsNoTracking()
                .Where(c => c.CampaignId == campaignId && c.MemberId > after)
                .OrderBy(c => c.MemberId)
                .Take(PageSize)
                .Select(c => c.MemberId)
                .ToListAsync(token), cancellationToken);
            if (page.Count == 0)
            {
                yield break;
            }
            after = page[^1];
            yield return page;
        }
    }

    private async Task<T> ReadAsync<T>(Func<AppDbContext, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        using var timeout = Timeout(cancellationToken);
        return await read(db, timeout.Token);
    }

    private static CancellationTokenSource Timeout(CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(ReadTimeout);
        return cts;
    }
}
