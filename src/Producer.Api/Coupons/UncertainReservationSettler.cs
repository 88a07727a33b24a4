using KafkaPractice.Core.Cache;
using KafkaPractice.Core.Data;
using KafkaPractice.Core.Cache.Coupons;

namespace KafkaPractice.Producer.Api.Coupons;

/// <summary>
/// Settles reservations whose Kafka outcome nobody knows: the produce failed ambiguously
/// (PossiblyPersisted: the record may have landed), or the API died between reserving and hearing
/// from Kafka (the entry written ahead with the reservation is still there). Once such an entry is
/// <see cref="CouponOptions.SettleAfterSeconds"/> old (longer than any produce can take), any
/// record it wrote is in the topic; when the coupon consumer has committed past the end offsets read
/// after that, MySQL says for certain: a row means the coupon was issued (keep the slot), no row
/// means the record never landed (give the slot back). A client retry in the meantime re-produces
/// and confirms the slot itself; the compare-and-delete in Redis keeps the two from colliding.
/// </summary>
public sealed partial class UncertainReservationSettler(
    CouponStock stock,
    CampaignStore store,
    CouponTopicProgress progress,
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
                foreach (var campaignId in await stock.UncertainCampaignsAsync())
                {
                    await SettleCampaignAsync(campaignId, stoppingToken);
                }
            }
            catch (Exception ex) when (ex is CacheUnavailableException || DatabaseOutage.Is(ex, stoppingToken) || ex is Confluent.Kafka.KafkaException)
            {
                Log.RoundFailed(logger, ex.Message);
            }
        }
    }

    private async Task SettleCampaignAsync(string campaignId, CancellationToken cancellationToken)
    {
        var entries = await stock.UncertainAsync(campaignId);
        if (entries.Count == 0)
        {
            await stock.ForgetUncertainCampaignAsync(campaignId);
            return;
        }
        var cutoff = time.GetUtcNow().AddSeconds(-options.SettleAfterSeconds).ToUnixTimeMilliseconds();
        var due = entries
            .Where(e => CouponStock.TryReadStampTime(e.Value, out var writtenAt) && writtenAt <= cutoff)
            .ToList();
        if (due.Count == 0)
        {
            return;
        }
        var ends = await progress.EndOffsetsAsync();
        if (!await progress.WaitForCommittedAsync(ends, TimeSpan.FromSeconds(options.CatchUpTimeoutSeconds), cancellationToken))
        {
            return;
        }
        var landed = await store.MembersWithCouponAsync(campaignId, due.Select(e => e.MemberId).ToList(), cancellationToken);
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
