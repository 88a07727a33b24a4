using System.Security.Cryptography;
using System.Text;
using Confluent.Kafka;
using KafkaPractice.Core.Cache;
using KafkaPractice.Core.Cache.Idempotency;
using KafkaPractice.Core.Cache.Members;
using KafkaPractice.Core.Data;
using Microsoft.EntityFrameworkCore;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Kafka;
using KafkaPractice.Messaging.Members;

namespace KafkaPractice.Producer.Api.Members;

public abstract record RegistrationOutcome
{
    public sealed record Accepted(Guid RegistrationId) : RegistrationOutcome;
    public sealed record EmailTaken : RegistrationOutcome;
    public sealed record KeyReused : RegistrationOutcome;
    public sealed record KeyInFlight : RegistrationOutcome;
    public sealed record Unavailable(string Detail) : RegistrationOutcome;
}

/// <summary>
/// Accepts a valid registration: idempotency claim (only with a key), one Redis script that checks
/// the email against the taken ones and marks the registration accepted, then the produce to
/// <c>create_member</c> awaited until acks=all. Without an Idempotency-Key that is one Redis round
/// trip and one produce per registration. Only Kafka has to answer: Redis is consulted on a
/// best-effort basis.
/// </summary>
public sealed partial class MemberRegistrationService(
    IProducer<string, byte[]> producer,
    IdempotencyStore idempotency,
    MemberCache members,
    ProduceTimeout produceTimeout,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<MemberRegistrationService> logger)
{
    public const string IdempotencyScope = "members";
    public const string Topic = KafkaTopology.CreateMember;

    /// <summary>
    /// The in-flight claim outlives the longest produce (the delivery timeout) with a margin. It is
    /// also how long a retry waits after the API died mid-request, so the margin is short: should
    /// it run out under a live attempt, an identical retry produces a record with the same
    /// registration id, which the consumer writes once.
    /// </summary>
    private TimeSpan InFlightTtl => produceTimeout.Value + TimeSpan.FromSeconds(5);

    public async Task<RegistrationOutcome> RegisterAsync(ValidRegistration registration, string? idempotencyKey)
    {
        if (idempotencyKey is null)
        {
            var id = Guid.CreateVersion7();
            var begin = await BeginAsync(registration.EmailKey, id);
            return begin == Begin.EmailTaken
                ? new RegistrationOutcome.EmailTaken()
                : await ProduceAsync(registration, id, marked: begin == Begin.Marked);
        }

        var fingerprint = IdempotencyStore.Fingerprint(registration.Canonical);
        var attempt = IdempotencyStore.NewAttempt();
        IdempotencyClaim claim;
        try
        {
            claim = await idempotency.TryBeginAsync(IdempotencyScope, idempotencyKey, fingerprint, attempt, InFlightTtl);
        }
        catch (CacheUnavailableException ex)
        {
            Log.IdempotencyStoreUnavailable(logger, ex.Message);
            // A late answer may still mean the claim was taken: without this, the client's retries
            // would read 409 in-flight until the claim expired.
            idempotency.AbandonClaim(IdempotencyScope, idempotencyKey, fingerprint, attempt);
            return new RegistrationOutcome.Unavailable("Requests with an Idempotency-Key cannot be checked right now; retry later, or send it without the key.");
        }

        switch (claim.State)
        {
            case IdempotencyState.Completed when Guid.TryParse(claim.Response, out var earlier):
                return new RegistrationOutcome.Accepted(earlier);
            case IdempotencyState.Reused:
                return new RegistrationOutcome.KeyReused();
            case IdempotencyState.InFlight:
                return new RegistrationOutcome.KeyInFlight();
        }

        RegistrationOutcome outcome;
        try
        {
            var registrationId = RegistrationIdFor(idempotencyKey, fingerprint);
            var begin = await BeginAsync(registration.EmailKey, registrationId);
            outcome = begin == Begin.EmailTaken
                ? await EmailTakenUnlessOursAsync(registrationId)
                // The id follows from the key and the body: if an earlier attempt timed out but its
                // record still landed, an identical retry's record carries the same id and the
                // consumer writes it once. A different body under the same key gets an id of its
                // own, so a 202 never stands for a record the consumer would skip as a duplicate.
                : await ProduceAsync(registration, registrationId, marked: begin == Begin.Marked);
        }
        catch
        {
            await ReleaseQuietlyAsync(idempotencyKey, fingerprint, attempt);
            throw;
        }

        if (outcome is RegistrationOutcome.Accepted accepted)
        {
            try
            {
                await idempotency.CompleteAsync(IdempotencyScope, idempotencyKey, fingerprint, accepted.RegistrationId.ToString("D"));
            }
            catch (CacheUnavailableException ex)
            {
                // The claim expires; a retry then produces again with the same id, which the consumer ignores.
                Log.IdempotencyCompleteFailed(logger, accepted.RegistrationId, ex.Message);
            }
        }
        else
        {
            await ReleaseQuietlyAsync(idempotencyKey, fingerprint, attempt);
        }
        return outcome;
    }

    /// <summary>
    /// A name-based GUID (RFC 9562 version 8) from the key and the body's fingerprint: identical
    /// retries of one request share one registration id, while another body under the same key
    /// (possible once Redis no longer remembers the key: restart, flush, expiry, or after a 503
    /// released the claim) gets another id instead of aliasing the first record.
    /// </summary>
    public static Guid RegistrationIdFor(string idempotencyKey, string bodyFingerprint)
    {
        Span<byte> hash = stackalloc byte[32];
        // The key is at most 100 printable ASCII characters and the fingerprint is hex: '\n' separates them unambiguously.
        SHA256.HashData(Encoding.UTF8.GetBytes("member-registration:" + idempotencyKey + "\n" + bodyFingerprint), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    /// <param name="marked">Whether the registration is already marked accepted in Redis (by <see cref="BeginAsync"/>).</param>
    private async Task<RegistrationOutcome> ProduceAsync(ValidRegistration registration, Guid registrationId, bool marked)
    {
        var message = new MemberRegistrationRequested
        {
            RegistrationId = registrationId,
            Name = registration.Name,
            Email = registration.Email,
            PhoneNumber = registration.PhoneNumber,
            RequestedAt = time.GetUtcNow(),
        };
        try
        {
            // Key = lower-cased email: one partition per address, so the first registration for an
            // address is consumed before any later one and wins; the others end Rejected.
            var result = await producer.SendAsync(Topic, registration.EmailKey, message);
            Log.Accepted(logger, registrationId, result.Partition.Value, result.Offset.Value);
        }
        catch (ProduceException<string, byte[]> ex)
        {
            Log.ProduceFailed(logger, registrationId, ex.Error.Code, ex.DeliveryResult?.Status ?? PersistenceStatus.NotPersisted);
            await ForgetQuietlyAsync(registrationId, marked);
            return new RegistrationOutcome.Unavailable("Kafka did not acknowledge the registration in time; retry later (with the same Idempotency-Key to stay safe).");
        }
        catch (KafkaException ex)
        {
            Log.ProduceFailed(logger, registrationId, ex.Error.Code, PersistenceStatus.NotPersisted);
            await ForgetQuietlyAsync(registrationId, marked);
            return new RegistrationOutcome.Unavailable("Kafka is not accepting records right now; retry later.");
        }

        if (!marked)
        {
            // Redis did not answer before the produce; its mark is what makes the status read Pending.
            try
            {
                await members.MarkRegistrationAcceptedAsync(registrationId);
            }
            catch (CacheUnavailableException ex)
            {
                Log.MarkerFailed(logger, registrationId, ex.Message);
            }
        }
        return new RegistrationOutcome.Accepted(registrationId);
    }

    /// <summary>
    /// The email is taken, perhaps by an earlier attempt with this very key whose answer was lost
    /// (the client timed out, or the API died after Kafka took the record): then this retry gets
    /// that attempt's answer, not a 409 for its own registration.
    /// </summary>
    private async Task<RegistrationOutcome> EmailTakenUnlessOursAsync(Guid registrationId)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            if (await db.MemberRegistrations.AsNoTracking().AnyAsync(r => r.RegistrationId == registrationId))
            {
                return new RegistrationOutcome.Accepted(registrationId);
            }
        }
        catch (Exception ex) when (DatabaseOutage.Is(ex, CancellationToken.None))
        {
            // Without MySQL the cache's answer stands.
            Log.RegistrationLookupFailed(logger, ex.GetType().Name);
        }
        return new RegistrationOutcome.EmailTaken();
    }

    private enum Begin
    {
        /// <summary>The email is not known to be taken, and the registration is marked accepted.</summary>
        Marked,
        /// <summary>The email belongs to a member already.</summary>
        EmailTaken,
        /// <summary>Redis did not answer: nothing is known and nothing is marked.</summary>
        Unknown,
    }

    private async Task<Begin> BeginAsync(string emailKey, Guid registrationId)
    {
        try
        {
            return await members.BeginRegistrationAsync(emailKey, registrationId) ? Begin.EmailTaken : Begin.Marked;
        }
        catch (CacheUnavailableException ex)
        {
            // Not knowing is fine: the consumer refuses a taken email anyway.
            Log.EmailCheckSkipped(logger, ex.Message);
            return Begin.Unknown;
        }
    }

    /// <summary>A registration whose produce failed was never accepted: its status must read 404, not Pending.</summary>
    private async Task ForgetQuietlyAsync(Guid registrationId, bool marked)
    {
        if (!marked)
        {
            return;
        }
        try
        {
            await members.ForgetRegistrationAsync(registrationId);
        }
        catch (CacheUnavailableException ex)
        {
            // Only a 202 tells a client the id, and this one got a 503: a stale mark is never read.
            Log.MarkerNotRemoved(logger, registrationId, ex.Message);
        }
    }

    private async Task ReleaseQuietlyAsync(string key, string fingerprint, string attempt)
    {
        try
        {
            await idempotency.ReleaseAsync(IdempotencyScope, key, fingerprint, attempt);
        }
        catch (CacheUnavailableException ex)
        {
            Log.IdempotencyStoreUnavailable(logger, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Registration {RegistrationId} accepted: create_member partition {Partition} offset {Offset}")]
        public static partial void Accepted(ILogger logger, Guid registrationId, int partition, long offset);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Registration {RegistrationId} not acknowledged by Kafka: {Code} ({Persistence})")]
        public static partial void ProduceFailed(ILogger logger, Guid registrationId, ErrorCode code, PersistenceStatus persistence);

        [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Idempotency store unavailable: {Reason}")]
        public static partial void IdempotencyStoreUnavailable(ILogger logger, string reason);

        [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Registration {RegistrationId} accepted but its idempotency answer was not stored: {Reason}")]
        public static partial void IdempotencyCompleteFailed(ILogger logger, Guid registrationId, string reason);

        [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Registration {RegistrationId} accepted but not marked in Redis; its status reads 404 until the consumer writes it: {Reason}")]
        public static partial void MarkerFailed(ILogger logger, Guid registrationId, string reason);

        [LoggerMessage(EventId = 1006, Level = LogLevel.Debug, Message = "Email-taken check skipped, Redis unavailable: {Reason}")]
        public static partial void EmailCheckSkipped(ILogger logger, string reason);

        [LoggerMessage(EventId = 1008, Level = LogLevel.Debug, Message = "Registration {RegistrationId} was not accepted and its Redis mark stays until it expires: {Reason}")]
        public static partial void MarkerNotRemoved(ILogger logger, Guid registrationId, string reason);

        [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Could not look up an earlier attempt of a keyed registration ({Error}); answering email-taken")]
        public static partial void RegistrationLookupFailed(ILogger logger, string error);
    }
}
