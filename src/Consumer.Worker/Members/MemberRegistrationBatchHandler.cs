using KafkaPractice.Consumer.Worker.Messaging;
using KafkaPractice.Core.Cache;
using KafkaPractice.Core.Cache.Members;
using KafkaPractice.Core.Data;
using KafkaPractice.Core.Data.Bulk;
using KafkaPractice.Core.Data.Members;
using KafkaPractice.Messaging.Members;
using Microsoft.EntityFrameworkCore;

namespace KafkaPractice.Consumer.Worker.Members;

/// <summary>
/// Writes one batch of registrations in one transaction: a multi-row insert into <c>members</c>
/// and one into <c>member_registrations</c> (Completed with the member id, or Rejected with
/// <c>email-taken</c>). Five round trips to MySQL whatever the batch's size: begin, the two
/// look-ups together, the members' insert with the read-back of their ids, the outcomes, commit.
/// Redelivered records change nothing: registrations already recorded are skipped, and the unique
/// keys on <c>registration_id</c> and <c>email_key</c> stop anything that slips past (the batch
/// then fails, is retried, and the retry sees the rows).
/// </summary>
public sealed partial class MemberRegistrationBatchHandler(
    AppDbContext db,
    MemberCache cache,
    TimeProvider time,
    ILogger<MemberRegistrationBatchHandler> logger) : IBatchHandler<MemberRegistrationRequested>
{
    private readonly MemberBatchSql _sql = MemberBatchSql.For(db.Model);

    public async Task HandleAsync(IReadOnlyList<ConsumedMessage<MemberRegistrationRequested>> batch, CancellationToken cancellationToken)
    {
        var messages = batch.Select(m => m.Message).ToList();
        var strategy = db.Database.CreateExecutionStrategy();
        var (plan, created) = await strategy.ExecuteAsync(
            async token =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync(token);
                var existing = await LoadExistingAsync(messages, token);
                var plan = RegistrationPlan.Create(messages, existing);
                var now = time.GetUtcNow().UtcDateTime;
                var created = await InsertMembersAsync(plan.NewMembers, now, token);
                await InsertOutcomesAsync(messages, plan, created, now, token);
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

    /// <summary>The outcomes already recorded and the members already there, both look-ups in one round trip.</summary>
    private async Task<ExistingState> LoadExistingAsync(List<MemberRegistrationRequested> messages, CancellationToken token)
    {
        var registrationIds = messages.Select(m => (object)m.RegistrationId).ToList();
        // One email key per registration id: both lists have the batch's length (one statement text per length).
        var emailKeys = messages.Select(m => (object)m.EmailKey).ToList();
        await using var batch = RoundTrip.Create(db);
        _sql.RecordedRegistrations.AddTo(batch, [registrationIds]);
        _sql.MembersByRegistrationOrEmail.AddTo(batch, [registrationIds, emailKeys]);
        await using var reader = await batch.ExecuteReaderAsync(token);
        var recorded = (await RoundTrip.ReadRowsAsync(reader, r => BulkColumn.ReadGuid(r, 0), token)).ToHashSet();
        var members = await RoundTrip.ReadRowsAsync(reader, r => new ExistingMember(r.GetInt64(0), BulkColumn.ReadGuid(r, 1), r.GetString(2)), token);

        var byEmail = new Dictionary<string, ExistingMember>(StringComparer.Ordinal);
        var byRegistration = new Dictionary<Guid, ExistingMember>();
        foreach (var member in members)
        {
            byEmail[member.EmailKey] = member;
            byRegistration[member.RegistrationId] = member;
        }
        return new ExistingState(recorded, byEmail, byRegistration);
    }

    /// <summary>One multi-row INSERT and the read-back of the generated ids by registration id, in one round trip.</summary>
    private async Task<Dictionary<Guid, long>> InsertMembersAsync(
        IReadOnlyList<MemberRegistrationRequested> members, DateTime now, CancellationToken token)
    {
        if (members.Count == 0)
        {
            return [];
        }
        var rows = members.Select(m => new Member
        {
            Name = m.Name,
            Email = m.Email.Trim(),
            EmailKey = m.EmailKey,
            PhoneNumber = m.PhoneNumber,
            RegistrationId = m.RegistrationId,
            RegisteredAt = now,
        }).ToList();
        await using var batch = RoundTrip.Create(db);
        _sql.InsertMembers.AddTo(batch, rows);
        _sql.MemberIdsByRegistration.AddTo(batch, [members.Select(m => (object)m.RegistrationId).ToList()]);
        await using var reader = await batch.ExecuteReaderAsync(token);
        var ids = await RoundTrip.ReadRowsAsync(reader, r => (RegistrationId: BulkColumn.ReadGuid(r, 0), MemberId: r.GetInt64(1)), token);
        return ids.ToDictionary(i => i.RegistrationId, i => i.MemberId);
    }

    private async Task InsertOutcomesAsync(
        List<MemberRegistrationRequested> messages, RegistrationPlan plan, Dictionary<Guid, long> created, DateTime now, CancellationToken token)
    {
        var acceptedAt = messages.GroupBy(m => m.RegistrationId).ToDictionary(g => g.Key, g => g.First().RequestedAt.UtcDateTime);
        MemberRegistration Outcome(Guid id, RegistrationStatus status, long? memberId, string? reason) => new()
        {
            RegistrationId = id,
            Status = status,
            MemberId = memberId,
            Reason = reason,
            AcceptedAt = acceptedAt[id],
            CompletedAt = now,
        };
        var outcomes = created.Select(c => Outcome(c.Key, RegistrationStatus.Completed, c.Value, null))
            .Concat(plan.CompletedWithExistingMember.Select(c => Outcome(c.RegistrationId, RegistrationStatus.Completed, c.MemberId, null)))
            .Concat(plan.Rejected.Select(r => Outcome(r.RegistrationId, RegistrationStatus.Rejected, null, r.Reason)))
            .ToList();
        await _sql.InsertOutcomes.ExecuteAsync(db, outcomes, token);
    }

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
