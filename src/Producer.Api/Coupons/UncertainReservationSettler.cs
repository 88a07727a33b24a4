using KafkaPractice.Core.Cache;
using KafkaPractice.Core.Data;
using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Messaging.Coupons;

namespace KafkaPractice.Producer.Api.Coupons;

/// <summary>
/// Settles reservations whose Kafka outcome nobody knows: the produce failed ambiguously
/// (PossiblyPersisted: the record may have landed), or the API died between reserving and hearing
/// from Kafka (the entry written ahead with the reservation is still there). Once such an entry is
/// <see cref="CouponOptions.SettleAfterSeconds"/> old (longer than any produce can take, so no
/// attempt is still sending), a marker record is produced with the same key (same partition,
/// acks=all); when the coupon consumer has committed past it, MySQL says for certain: a row means
/// the coupon was issued (keep the slot), no row means the record never landed and never will
/// (give the slot back). Elapsed time alone would not do: a timed-out record can become visible
/// long after the timeout. A client retry in the meantime re-produces
/// and confirms the slot itself; the compare-and-delete in Redis keeps the two from colliding.
/// </summary>
public sealed partial class UncertainReservationSettler(
    CouponStock stock,
    IIssuedCoupons coupons,
    ICouponLog log,
    InFlightCoupons inFlight,
    CouponOptions options,
    TimeProvider time,
    ILogger<UncertainReservationSettler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.SettleIntervalSeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SettleRoundAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is CacheUnavailableException || DatabaseOutage.Is(ex, stoppingToken) || ex is Confluent.Kafka.KafkaException)
            {
                Log.RoundFailed(logger, ex.Message);
            }
        }
    }

    /// <summary>
    /// One look at every campaign with unsettled entries. Every API instance runs one: two
    /// settlers on the same entry both mark and read MySQL, and the compare-and-delete lets only
    /// the first settle it (the second finds the entry gone and does nothing).
    /// </summary>
    public async Task SettleRoundAsync(CancellationToken cancellationToken)
    {
        foreach (var campaignId in await stock.UncertainCampaignsAsync())
        {
            await SettleCampaignAsync(campaignId, cancellationToken);
        }
    }

    private async Task SettleCampaignAsync(string campaignId, CancellationToken cancellationToken)
    {
        // Aged by Redis's clock, the one that stamped them (not this instance's, which may differ
        // from the reserving instance's), and never an attempt of this process still waiting for Kafka.
        var due = (await stock.UncertainDueAsync(campaignId, TimeSpan.FromSeconds(options.SettleAfterSeconds)))
            .Where(e => !inFlight.IsProducing(campaignId, e.MemberId))
            .ToList();
        if (due.Count == 0)
        {
            return;
        }
        // Not "long enough ago, so it would be visible by now": a timed-out record can become
        // visible much later. A marker behind it on its partition, once the consumer group has
        // committed past it, proves the record is in MySQL or never will be.
        var markers = await log.MarkAsync(due.Select(e => CouponRequested.ToRecordKey(campaignId, e.MemberId)).ToList());
        if (!await log.WaitForCommittedAsync(markers, TimeSpan.FromSeconds(options.CatchUpTimeoutSeconds), cancellationToken))
        {
            return;
        }
        var landed = await coupons.MembersWithCouponAsync(campaignId, due.Select(e => e.MemberId).ToList(), cancellationToken);
        foreach (var (memberId, value) in due)
        {
            var issued = landed.Contains(memberId);
            if (await stock.SettleUncertainAsync(campaignId, memberId, value, release: !issued))
            {
                inFlight.ForgetUncertain(campaignId, memberId);
                Log.Settled(logger, campaignId, memberId, issued ? "issued" : "released");
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Uncertain coupon request settled: campaign {CampaignId}, member {MemberId}: {Outcome}")]
        public static partial void Settled(ILogger logger, string campaignId, long memberId, string outcome);

        [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Settling uncertain coupon requests failed, will retry: {Reason}")]
        public static partial void RoundFailed(ILogger logger, string reason);
    }
}
