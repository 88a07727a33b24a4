using System.Data.Common;
using System.Text;
using KafkaPractice.Consumer.Worker.Messaging;
using KafkaPractice.Core.Cache;
using KafkaPractice.Core.Cache.Members;
using KafkaPractice.Core.Data;
using KafkaPractice.Core.Data.Members;
using KafkaPractice.Messaging.Members;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using static KafkaPractice.Core.Data.SqlText;

namespace KafkaPractice.Consumer.Worker.Members;

/// <summary>
/// Writes one batch of registrations in one transaction: a multi-row insert into <c>members</c>
/// and one into <c>member_registrations</c> (Completed with the member id, or Rejected with
/// <c>email-taken</c>). Redelivered records change nothing: registrations already recorded are
/// skipped, and the unique keys on <c>registration_id</c> and <c>email_key</c> stop anything
/// that slips past (the batch then fails, is retried, and the retry sees the rows).
/// </summary>
public sealed partial class MemberRegistrationBatchHandler(
    AppDbContext db,
    MemberCache cache,
    TimeProvider time,
    ILogger<MemberRegistrationBatchHandler> logger) : IBatchHandler<MemberRegistrationRequested>
{
    public async Task HandleAsync(IReadOnlyList<ConsumedMessage<MemberRegistrationRequested>> batch, CancellationToken cancellationToken)
    {
        var messages = batch.Select(m => m.Message).ToList();
        var strategy = db.Database.CreateExecutionStrategy();
        var (plan, created) = await strategy.ExecuteAsync(
            async token =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync(token);
                var connection = db.Database.GetDbConnection();
                var dbTransaction = transaction.GetDbTransaction();

                var existing = await LoadExistingAsync(connection, dbTransaction, messages, token);
                var plan = RegistrationPlan.Create(messages, existing);
                var now = time.GetUtcNow().UtcDateTime;
                var created = await InsertMembersAsync(connection, dbTransaction, plan.NewMembers, now, token);
                await InsertOutcomesAsync(connection, dbTransaction, messages, plan, created, now, token);
                await transaction.CommitAsync(token);
                return (plan, created);
            },
            cancellationToken);

        Log.BatchWritten(logger, messages.Count, created.Count, plan.Rejected.Count, plan.AlreadyHandled);
        // A refusal the client learns of only by polling: each one is named (by id, never by email).
        foreach (var (registrationId, reason) in plan.Rejected)
        {
            Log.Rejected(logger, registrationId, reason);
        }

        try
        {
            var byRegistration = plan.NewMembers.ToDictionary(m => m.RegistrationId, m => m.EmailKey);
            await cache.AddMembersAsync(created.Select(c => (c.Value, byRegistration[c.Key])).ToList());
        }
        catch (CacheUnavailableException ex)
        {
            // MySQL has them; the cache is rebuilt from MySQL when Redis comes back empty.
            Log.CacheUpdateFailed(logger, created.Count, ex.Message);
        }
    }

    private static async Task<ExistingState> LoadExistingAsync(
        DbConnection connection, DbTransaction transaction, List<MemberRegistrationRequested> messages, CancellationToken token)
    {
        var recorded = new HashSet<Guid>();
        await using (var command = Command(connection, transaction))
        {
            command.CommandText = $"SELECT registration_id FROM member_registrations WHERE registration_id IN ({InList(command, "r", messages.Select(m => (object)m.RegistrationId.ToString("D")))})";
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                recorded.Add(ReadGuid(reader, 0));
            }
        }

        var byEmail = new Dictionary<string, ExistingMember>(StringComparer.Ordinal);
        var byRegistration = new Dictionary<Guid, ExistingMember>();
        await using (var command = Command(connection, transaction))
        {
            var ids = InList(command, "r", messages.Select(m => (object)m.RegistrationId.ToString("D")));
            var emails = InList(command, "e", messages.Select(m => (object)m.EmailKey).Distinct());
            command.CommandText = $"SELECT id, registration_id, email_key FROM members WHERE registration_id IN ({ids}) OR email_key IN ({emails})";
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                var member = new ExistingMember(reader.GetInt64(0), ReadGuid(reader, 1), reader.GetString(2));
                byEmail[member.EmailKey] = member;
                byRegistration[member.RegistrationId] = member;
            }
        }
        return new ExistingState(recorded, byEmail, byRegistration);
    }

    /// <summary>One multi-row INSERT, then the generated ids read back by registration id.</summary>
    private static async Task<Dictionary<Guid, long>> InsertMembersAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<MemberRegistrationRequested> members, DateTime now, CancellationToken token)
    {
        var created = new Dictionary<Guid, long>();
        if (members.Count == 0)
        {
            return created;
        }
        await using (var command = Command(connection, transaction))
        {
            var sql = new StringBuilder("INSERT INTO members (name, email, email_key, phone_number, registration_id, registered_at) VALUES ");
            for (var i = 0; i < members.Count; i++)
            {
                var m = members[i];
                sql.Append(i == 0 ? "" : ", ").Append('(')
                    .Append(Parameter(command, $"n{i}", m.Name)).Append(", ")
                    .Append(Parameter(command, $"e{i}", m.Email.Trim())).Append(", ")
                    .Append(Parameter(command, $"k{i}", m.EmailKey)).Append(", ")
                    .Append(Parameter(command, $"p{i}", m.PhoneNumber)).Append(", ")
                    .Append(Parameter(command, $"r{i}", m.RegistrationId.ToString("D"))).Append(", ")
                    .Append(Parameter(command, $"t{i}", now)).Append(')');
            }
            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(token);
        }
        await using (var command = Command(connection, transaction))
        {
            command.CommandText = $"SELECT registration_id, id FROM members WHERE registration_id IN ({InList(command, "r", members.Select(m => (object)m.RegistrationId.ToString("D")))})";
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                created[ReadGuid(reader, 0)] = reader.GetInt64(1);
            }
        }
        return created;
    }

    private static async Task InsertOutcomesAsync(
        DbConnection connection, DbTransaction transaction, List<MemberRegistrationRequested> messages, RegistrationPlan plan,
        Dictionary<Guid, long> created, DateTime now, CancellationToken token)
    {
        var outcomes = created.Select(c => (Id: c.Key, Status: RegistrationStatus.Completed, MemberId: (long?)c.Value, Reason: (string?)null))
            .Concat(plan.CompletedWithExistingMember.Select(c => (Id: c.RegistrationId, Status: RegistrationStatus.Completed, MemberId: (long?)c.MemberId, Reason: (string?)null)))
            .Concat(plan.Rejected.Select(r => (Id: r.RegistrationId, Status: RegistrationStatus.Rejected, MemberId: (long?)null, Reason: (string?)r.Reason)))
            .ToList();
        if (outcomes.Count == 0)
        {
            return;
        }
        var acceptedAt = messages.GroupBy(m => m.RegistrationId).ToDictionary(g => g.Key, g => g.First().RequestedAt.UtcDateTime);
        await using var command = Command(connection, transaction);
        var sql = new StringBuilder("INSERT INTO member_registrations (registration_id, status, member_id, reason, accepted_at, completed_at) VALUES ");
        for (var i = 0; i < outcomes.Count; i++)
        {
            var o = outcomes[i];
            sql.Append(i == 0 ? "" : ", ").Append('(')
                .Append(Parameter(command, $"r{i}", o.Id.ToString("D"))).Append(", ")
                .Append(Parameter(command, $"s{i}", o.Status.ToString())).Append(", ")
                .Append(Parameter(command, $"m{i}", o.MemberId)).Append(", ")
                .Append(Parameter(command, $"x{i}", o.Reason)).Append(", ")
                .Append(Parameter(command, $"a{i}", acceptedAt[o.Id])).Append(", ")
                .Append(Parameter(command, $"c{i}", now)).Append(')');
        }
        command.CommandText = sql.ToString();
        await command.ExecuteNonQueryAsync(token);
    }

    private static Guid ReadGuid(DbDataReader reader, int ordinal) =>
        reader.GetValue(ordinal) switch
        {
            Guid g => g,
            string s => Guid.Parse(s),
            byte[] b => new Guid(b),
            var other => throw new InvalidOperationException($"Unexpected registration_id type {other.GetType()}."),
        };

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Registration batch of {Count}: {Created} member(s) created, {Rejected} rejected, {AlreadyHandled} already handled")]
        public static partial void BatchWritten(ILogger logger, int count, int created, int rejected, int alreadyHandled);

        [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Registration {RegistrationId} rejected: {Reason}")]
        public static partial void Rejected(ILogger logger, Guid registrationId, string reason);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "{Count} new member(s) not added to the Redis member cache: {Reason}")]
        public static partial void CacheUpdateFailed(ILogger logger, int count, string reason);
    }
}
