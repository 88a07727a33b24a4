using System.Collections.Concurrent;

namespace KafkaPractice.Producer.Api.Coupons;

/// <summary>
/// What this process knows that Redis may lose or cannot tell: which coupon produces are still
/// waiting for Kafka (per campaign, and per member: the settler leaves a live attempt alone), and
/// which requests failed ambiguously (the record may have landed). A rebuild waits for the first to
/// drain and keeps the second reserved.
/// </summary>
public sealed class InFlightCoupons
{
    private readonly ConcurrentDictionary<string, int> _producing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string CampaignId, long MemberId), int> _producingFor = new();
    private readonly ConcurrentDictionary<(string CampaignId, long MemberId), byte> _uncertain = new();

    public IDisposable Producing(string campaignId, long memberId)
    {
        _producing.AddOrUpdate(campaignId, 1, (_, n) => n + 1);
        _producingFor.AddOrUpdate((campaignId, memberId), 1, (_, n) => n + 1);
        return new Exit(this, campaignId, memberId);
    }

    public int ProducingCount(string campaignId) => _producing.TryGetValue(campaignId, out var n) ? n : 0;

    /// <summary>True while an attempt of this process for the member is still waiting for Kafka.</summary>
    public bool IsProducing(string campaignId, long memberId) => _producingFor.TryGetValue((campaignId, memberId), out var n) && n > 0;

    public void MarkUncertain(string campaignId, long memberId) => _uncertain[(campaignId, memberId)] = 0;

    public void ForgetUncertain(string campaignId, long memberId) => _uncertain.TryRemove((campaignId, memberId), out _);

    public IReadOnlyList<long> Uncertain(string campaignId) =>
        _uncertain.Keys.Where(k => k.CampaignId == campaignId).Select(k => k.MemberId).ToList();

    private sealed class Exit(InFlightCoupons owner, string campaignId, long memberId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner._producing.AddOrUpdate(campaignId, 0, (_, n) => n - 1);
                var key = (campaignId, memberId);
                if (owner._producingFor.AddOrUpdate(key, 0, (_, n) => n - 1) <= 0)
                {
                    owner._producingFor.TryRemove(new KeyValuePair<(string, long), int>(key, 0));
                }
            }
        }
    }
}
