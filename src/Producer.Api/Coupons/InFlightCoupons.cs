using System.Collections.Concurrent;

namespace KafkaPractice.Producer.Api.Coupons;

/// <summary>
/// What this process knows that Redis may lose: how many coupon produces per campaign are still
/// waiting for Kafka, and which requests failed ambiguously (the record may have landed). A
/// rebuild waits for the first to drain and keeps the second reserved.
/// </summary>
public sealed class InFlightCoupons
{
    private readonly ConcurrentDictionary<string, int> _producing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string CampaignId, long MemberId), DateTimeOffset> _uncertain = new();

    public IDisposable Producing(string campaignId)
    {
        _producing.AddOrUpdate(campaignId, 1, (_, n) => n + 1);
        return new Exit(this, campaignId);
    }

    public int ProducingCount(string campaignId) => _producing.TryGetValue(campaignId, out var n) ? n : 0;

    public void MarkUncertain(string campaignId, long memberId, DateTimeOffset failedAt) => _uncertain[(campaignId, memberId)] = failedAt;

    public void ForgetUncertain(string campaignId, long memberId) => _uncertain.TryRemove((campaignId, memberId), out _);

    public IReadOnlyList<(long MemberId, DateTimeOffset FailedAt)> Uncertain(string campaignId) =>
        _uncertain.Where(e => e.Key.CampaignId == campaignId).Select(e => (e.Key.MemberId, e.Value)).ToList();

    private sealed class Exit(InFlightCoupons owner, string campaignId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner._producing.AddOrUpdate(campaignId, 0, (_, n) => n - 1);
            }
        }
    }
}
