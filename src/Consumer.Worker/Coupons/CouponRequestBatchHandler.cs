using System.Data.Common;
using System.Text;
using Confluent.Kafka;
using KafkaPractice.Consumer.Worker.Messaging;
using KafkaPractice.Core.Data;
using KafkaPractice.Messaging.Coupons;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using static KafkaPractice.Core.Data.SqlText;

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
                var connection = db.Database.GetDbConnection();
                var dbTransaction = transaction.GetDbTransaction();

                var rejected = await FindUnknownReferencesAsync(connection, dbTransaction, coupons, token);
                if (rejected.Count > 0)
                {
                    throw new RejectedMessagesException(rejected);
                }
                var rows = await InsertAsync(connection, dbTransaction, coupons, time.GetUtcNow().UtcDateTime, token);
                await transaction.CommitAsync(token);
                return rows;
            },
            cancellationToken);

        Log.BatchWritten(logger, batch.Count, inserted, batch.Count - inserted);
    }

    private static async Task<List<(TopicPartitionOffset, string)>> FindUnknownReferencesAsync(
        DbConnection connection, DbTransaction transaction, List<ConsumedMessage<CouponRequested>> coupons, CancellationToken token)
    {
        var campaigns = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = Command(connection, transaction))
        {
            command.CommandText = $"SELECT id FROM campaigns WHERE id IN ({InList(command, "c", coupons.Select(c => (object)c.Message.CampaignId).Distinct())})";
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                campaigns.Add(reader.GetString(0));
            }
        }
        var members = new HashSet<long>();
        await using (var command = Command(connection, transaction))
        {
            command.CommandText = $"SELECT id FROM members WHERE id IN ({InList(command, "m", coupons.Select(c => (object)c.Message.MemberId).Distinct())})";
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                members.Add(reader.GetInt64(0));
            }
        }
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
    private static async Task<int> InsertAsync(
        DbConnection connection, DbTransaction transaction, List<ConsumedMessage<CouponRequested>> coupons, DateTime now, CancellationToken token)
    {
        await using var command = Command(connection, transaction);
        var sql = new StringBuilder("INSERT INTO coupons (campaign_id, member_id, requested_at, issued_at) VALUES ");
        for (var i = 0; i < coupons.Count; i++)
        {
            var c = coupons[i].Message;
            sql.Append(i == 0 ? "" : ", ").Append('(')
                .Append(Parameter(command, $"c{i}", c.CampaignId)).Append(", ")
                .Append(Parameter(command, $"m{i}", c.MemberId)).Append(", ")
                .Append(Parameter(command, $"r{i}", c.RequestedAt.UtcDateTime)).Append(", ")
                .Append(Parameter(command, $"t{i}", now)).Append(')');
        }
        // A no-op update on a duplicate: the row already there (with its id and time) stays as it is.
        sql.Append(" ON DUPLICATE KEY UPDATE id = id");
        command.CommandText = sql.ToString();
        // MySQL counts 1 per inserted row and 0 per unchanged duplicate (connection default: affected, not found rows).
        return await command.ExecuteNonQueryAsync(token);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Coupon batch of {Count}: {Inserted} coupon(s) written, {Duplicates} already present")]
        public static partial void BatchWritten(ILogger logger, int count, int inserted, int duplicates);
    }
}
