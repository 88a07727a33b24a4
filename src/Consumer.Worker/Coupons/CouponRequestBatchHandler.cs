using Confluent.Kafka;
using KafkaPractice.Consumer.Worker.Messaging;
using KafkaPractice.Core.Data;
using KafkaPractice.Core.Data.Bulk;
using KafkaPractice.Core.Data.Coupons;
using KafkaPractice.Messaging.Coupons;
using Microsoft.EntityFrameworkCore;

namespace KafkaPractice.Consumer.Worker.Coupons;

/// <summary>
/// Writes one batch of granted coupons in one transaction, as one multi-row insert. The unique key
/// (campaign_id, member_id) makes a redelivered record, or a retry the API sent after an ambiguous
/// failure, a no-op (<c>ON DUPLICATE KEY UPDATE id = id</c>). A record for a campaign or member
/// that does not exist can never be written: it is named in a <see cref="RejectedMessagesException"/>
/// and ends in <c>create_coupon.dlt</c>.
/// </summary>
public sealed partial class CouponRequestBatchHandler(
    AppDbContext db,
    TimeProvider time,
    ILogger<CouponRequestBatchHandler> logger) : IBatchHandler<CouponRequested>
{
    private readonly CouponBatchSql _sql = CouponBatchSql.For(db.Model);

    public async Task HandleAsync(IReadOnlyList<ConsumedMessage<CouponRequested>> batch, CancellationToken cancellationToken)
    {
        // One row per (campaign, member): the first record wins, later copies are duplicates.
        var coupons = batch
            .GroupBy(m => (m.Message.CampaignId, m.Message.MemberId))
            .Select(g => g.First())
            .ToList();

        var strategy = db.Database.CreateExecutionStrategy();
        var inserted = await strategy.ExecuteAsync(
            async token =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync(token);
                var rejected = await FindUnknownReferencesAsync(coupons, token);
                if (rejected.Count > 0)
                {
                    throw new RejectedMessagesException(rejected);
                }
                var rows = await InsertAsync(coupons, time.GetUtcNow().UtcDateTime, token);
                await transaction.CommitAsync(token);
                return rows;
            },
            cancellationToken);

        Log.BatchWritten(logger, batch.Count, inserted, batch.Count - inserted);
    }

    private async Task<List<(TopicPartitionOffset, string)>> FindUnknownReferencesAsync(
        List<ConsumedMessage<CouponRequested>> coupons, CancellationToken token)
    {
        // Both look-ups in one round trip.
        await using var batch = RoundTrip.Create(db);
        _sql.ExistingCampaigns.AddTo(batch, [coupons.Select(c => c.Message.CampaignId).Distinct(StringComparer.Ordinal).ToList<object>()]);
        _sql.ExistingMembers.AddTo(batch, [coupons.Select(c => c.Message.MemberId).Distinct().Select(id => (object)id).ToList()]);
        await using var reader = await batch.ExecuteReaderAsync(token);
        var campaigns = (await RoundTrip.ReadRowsAsync(reader, r => r.GetString(0), token)).ToHashSet(StringComparer.Ordinal);
        var members = (await RoundTrip.ReadRowsAsync(reader, r => r.GetInt64(0), token)).ToHashSet();
        var rejected = new List<(TopicPartitionOffset, string)>();
        foreach (var coupon in coupons)
        {
            if (!campaigns.Contains(coupon.Message.CampaignId))
            {
                rejected.Add((coupon.Position, $"Campaign '{coupon.Message.CampaignId}' does not exist."));
            }
            else if (!members.Contains(coupon.Message.MemberId))
            {
                rejected.Add((coupon.Position, $"Member {coupon.Message.MemberId} does not exist."));
            }
        }
        return rejected;
    }

    /// <summary>Returns how many rows were new (duplicates count 0).</summary>
    private Task<int> InsertAsync(List<ConsumedMessage<CouponRequested>> coupons, DateTime now, CancellationToken token)
    {
        var rows = coupons.Select(c => new Coupon
        {
            CampaignId = c.Message.CampaignId,
            MemberId = c.Message.MemberId,
            RequestedAt = c.Message.RequestedAt.UtcDateTime,
            IssuedAt = now,
        }).ToList();
        // MySQL counts 1 per inserted row and 0 per unchanged duplicate (connection default: affected, not found rows).
        return _sql.InsertIgnoringDuplicates.ExecuteAsync(db, rows, token);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Coupon batch of {Count}: {Inserted} coupon(s) written, {Duplicates} already present")]
        public static partial void BatchWritten(ILogger logger, int count, int inserted, int duplicates);
    }
}
