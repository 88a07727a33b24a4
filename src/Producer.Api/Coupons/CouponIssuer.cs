using Confluent.Kafka;
using KafkaPractice.Core.Cache;
using KafkaPractice.Core.Data;
using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Coupons;
using KafkaPractice.Messaging.Kafka;

namespace KafkaPractice.Producer.Api.Coupons;

public abstract record CouponOutcome
{
    public sealed record Accepted : CouponOutcome;
    public sealed record CampaignNotFound : CouponOutcome;
    public sealed record MemberNotFound : CouponOutcome;
    public sealed record AlreadyIssued : CouponOutcome;
    public sealed record SoldOut : CouponOutcome;
    public sealed record Unavailable(string Detail) : CouponOutcome;
}

/// <summary>
/// One coupon request: the atomic reservation in Redis, the produce to <c>create_coupon</c>
/// awaited until acks=all, and what a failed produce means for the reservation:
/// <list type="bullet">
/// <item>refused before it was queued (a <see cref="KafkaException"/>): never sent, the slot is given back;</item>
/// <item>failed after it was handed to the client, whatever its <c>PersistenceStatus</c>: it may
/// land, so the slot stays taken and is marked uncertain; a retry by the client produces again
/// (the consumer writes one row), and <see cref="UncertainReservationSettler"/> settles it otherwise.</item>
/// </list>
/// The reservation itself is written ahead as unsettled and only the acknowledgement settles it,
/// so a process that dies between the two leaves an entry the settler resolves against MySQL,
/// and the client's retry produces again instead of hearing "already issued" for a coupon that
/// was never sent.
/// </summary>
public sealed partial class CouponIssuer(
    IProducer<string, byte[]> producer,
    CouponStock stock,
    CampaignStore store,
    CampaignReconciler reconciler,
    InFlightCoupons inFlight,
    TimeProvider time,
    ILogger<CouponIssuer> logger)
{
    public const string Topic = KafkaTopology.CreateCoupon;

    public async Task<CouponOutcome> RequestAsync(string campaignId, long memberId, CancellationToken cancellationToken)
    {
        if (campaignId.Length is 0 or > CouponRequested.MaxCampaignIdLength)
        {
            return new CouponOutcome.CampaignNotFound();
        }
        try
        {
            var memberChecked = false;
            while (true)
            {
                var reservation = await stock.ReserveAsync(campaignId, memberId);
                switch (reservation.Status)
                {
                    case ReservationStatus.CampaignNotLoaded:
                        var campaign = await store.FindAsync(campaignId, cancellationToken);
                        if (campaign is null)
                        {
                            return new CouponOutcome.CampaignNotFound();
                        }
                        reconciler.Trigger(campaign);
                        return new CouponOutcome.Unavailable("The campaign's stock is being rebuilt from the database; retry shortly.");

                    case ReservationStatus.MemberNotFound:
                        // The member cache may be behind MySQL (a member just written, or Redis
                        // restarted and the cache not rebuilt yet): MySQL has the last word.
                        if (memberChecked || !await store.MemberExistsAsync(memberId, cancellationToken))
                        {
                            return new CouponOutcome.MemberNotFound();
                        }
                        await stock.AddKnownMemberAsync(memberId);
                        memberChecked = true;
                        continue;

                    case ReservationStatus.AlreadyIssued:
                        return new CouponOutcome.AlreadyIssued();

                    case ReservationStatus.SoldOut:
                        return new CouponOutcome.SoldOut();

                    case ReservationStatus.Reserved:
                        return await ProduceAsync(campaignId, memberId, reservation, retryOfUncertain: false);

                    case ReservationStatus.RetryUncertain:
                        return await ProduceAsync(campaignId, memberId, reservation, retryOfUncertain: true);

                    default:
                        throw new InvalidOperationException($"Unhandled reservation status {reservation.Status}.");
                }
            }
        }
        catch (CacheUnavailableException ex)
        {
            Log.RedisUnavailable(logger, ex.Message);
            return new CouponOutcome.Unavailable("The coupon stock cannot be checked right now; retry later.");
        }
        catch (Exception ex) when (DatabaseOutage.Is(ex, cancellationToken))
        {
            return new CouponOutcome.Unavailable("The campaign store is not answering; retry later.");
        }
    }

    private async Task<CouponOutcome> ProduceAsync(string campaignId, long memberId, Reservation reservation, bool retryOfUncertain)
    {
        using var producing = inFlight.Producing(campaignId, memberId);
        var message = new CouponRequested { CampaignId = campaignId, MemberId = memberId, RequestedAt = time.GetUtcNow() };
        bool certainlyNotSent;
        try
        {
            // Key = campaign and member: every request of one member in one campaign on one partition.
            var result = await producer.SendAsync(Topic, message.RecordKey, message);
            Log.Accepted(logger, campaignId, memberId, result.Partition.Value, result.Offset.Value);
            if (retryOfUncertain)
            {
                inFlight.ForgetUncertain(campaignId, memberId);
            }
            stock.Confirm(campaignId, memberId, reservation);
            return new CouponOutcome.Accepted();
        }
        catch (ProduceException<string, byte[]> ex)
        {
            // Not even NotPersisted is taken at its word: librdkafka gives that label to a record
            // whose request reached the broker and was written when the answer never came back
            // (measured, see docs/coupons.md). Giving the slot back on it could issue one coupon
            // too many, so the slot stays and is settled below.
            certainlyNotSent = false;
            Log.ProduceFailed(logger, campaignId, memberId, ex.Error.Code, ex.DeliveryResult?.Status ?? PersistenceStatus.NotPersisted);
        }
        catch (KafkaException ex)
        {
            // Refused before it was queued (e.g. the local queue is full): never sent.
            certainlyNotSent = true;
            Log.ProduceFailed(logger, campaignId, memberId, ex.Error.Code, PersistenceStatus.NotPersisted);
        }

        if (certainlyNotSent && !retryOfUncertain)
        {
            await ReleaseQuietlyAsync(campaignId, memberId, reservation);
        }
        else
        {
            // The record (or an earlier attempt's) may be in Kafka: giving the slot back could over-issue.
            inFlight.MarkUncertain(campaignId, memberId);
            try
            {
                await stock.MarkUncertainAsync(campaignId, memberId);
            }
            catch (CacheUnavailableException ex)
            {
                Log.RedisUnavailable(logger, ex.Message);
            }
        }
        return new CouponOutcome.Unavailable("Kafka did not acknowledge the coupon request in time; retry later.");
    }

    private async Task ReleaseQuietlyAsync(string campaignId, long memberId, Reservation reservation)
    {
        try
        {
            await stock.ReleaseAsync(campaignId, memberId, reservation);
        }
        catch (CacheUnavailableException ex)
        {
            // The slot stays taken (under-issue, never over-issue) until the campaign is rebuilt.
            Log.ReleaseFailed(logger, campaignId, memberId, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1301, Level = LogLevel.Debug, Message = "Coupon accepted: campaign {CampaignId}, member {MemberId}: create_coupon partition {Partition} offset {Offset}")]
        public static partial void Accepted(ILogger logger, string campaignId, long memberId, int partition, long offset);

        [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "Coupon request not acknowledged by Kafka: campaign {CampaignId}, member {MemberId}: {Code} ({Persistence})")]
        public static partial void ProduceFailed(ILogger logger, string campaignId, long memberId, ErrorCode code, PersistenceStatus persistence);

        [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "Redis unavailable for the coupon flow: {Reason}")]
        public static partial void RedisUnavailable(ILogger logger, string reason);

        [LoggerMessage(EventId = 1304, Level = LogLevel.Warning, Message = "Reservation of campaign {CampaignId}, member {MemberId} could not be given back: {Reason}")]
        public static partial void ReleaseFailed(ILogger logger, string campaignId, long memberId, string reason);
    }
}
