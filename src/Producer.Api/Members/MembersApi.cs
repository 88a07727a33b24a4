
using KafkaPractice.Core.Cache;
using KafkaPractice.Core.Cache.Members;
using KafkaPractice.Core.Data;
using KafkaPractice.Core.Data.Members;
using KafkaPractice.Producer.Api.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;

namespace KafkaPractice.Producer.Api.Members;

public static class MembersApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Reads give up after this long, so a database outage answers 503 instead of hanging.</summary>
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapMembersApi(this IEndpointRouteBuilder app)
    {
        var members = app.MapGroup("/members")
            .WithTags("Members")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        members.MapPost("/", RegisterAsync)
            .WithName("RegisterMember")
            .WithSummary("Registers a member; 202 once Kafka acknowledged the request with acks=all.")
            .AcceptsJsonBody<RegisterMemberRequest>()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        members.MapGet("/registrations/{registrationId:guid}", GetRegistrationAsync)
            .WithName("GetMemberRegistration")
            .WithSummary("The status of an accepted registration: Pending, Completed or Rejected.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        members.MapGet("/{memberId:long}", GetMemberAsync)
            .WithName("GetMember")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    private static async Task<Results<Accepted<RegistrationAccepted>, ProblemHttpResult>> RegisterAsync(HttpContext context, MemberRegistrationService service)
    {
        // The header before the body: a bad key refuses the request whatever the body holds.
        var keyError = ReadIdempotencyKey(context.Request.Headers[IdempotencyKeyHeader], out var idempotencyKey);
        if (keyError is not null)
        {
            return keyError;
        }
        var body = await JsonBodyReader.BindAsync<RegisterMemberRequest, ValidRegistration>(context);
        if (!body.IsValid)
        {
            return body.Problem;
        }

        var outcome = await service.RegisterAsync(body.Value, idempotencyKey);
        return outcome switch
        {
            RegistrationOutcome.Accepted accepted => TypedResults.Accepted(
                $"/members/registrations/{accepted.RegistrationId:D}",
                new RegistrationAccepted(accepted.RegistrationId, nameof(RegistrationStatus.Pending))),
            RegistrationOutcome.EmailTaken => Problem.Of(StatusCodes.Status409Conflict, ProblemTypes.EmailTaken,
                "The email is already registered.", "A member with this email exists."),
            RegistrationOutcome.KeyReused => Problem.Of(StatusCodes.Status422UnprocessableEntity, ProblemTypes.IdempotencyKeyReused,
                "The Idempotency-Key was used for a different request.", "Use a new key for a different body."),
            RegistrationOutcome.KeyInFlight => Problem.Of(StatusCodes.Status409Conflict, ProblemTypes.IdempotencyKeyInFlight,
                "A request with this Idempotency-Key is still being processed.", "Retry once the first request has been answered."),
            RegistrationOutcome.Unavailable unavailable => Problem.Unavailable(context, unavailable.Detail),
            _ => throw new InvalidOperationException($"Unhandled outcome {outcome}."),
        };
    }

    private static async Task<Results<Ok<RegistrationStatusResponse>, ProblemHttpResult>> GetRegistrationAsync(Guid registrationId, HttpContext context, AppDbContext db, MemberCache cache)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(ReadTimeout);
        MemberRegistration? row;
        try
        {
            row = await db.MemberRegistrations.AsNoTracking()
                .FirstOrDefaultAsync(r => r.RegistrationId == registrationId, timeout.Token);
        }
        catch (Exception ex) when (DatabaseOutage.Is(ex, context.RequestAborted))
        {
            return Problem.Unavailable(context, "The registration store is not answering; retry later.");
        }
        if (row is not null)
        {
            return TypedResults.Ok(new RegistrationStatusResponse(row.RegistrationId, row.Status.ToString(), row.MemberId, row.Reason));
        }

        // Not written yet: pending if the API accepted it, otherwise never accepted.
        bool accepted;
        try
        {
            accepted = await cache.IsRegistrationAcceptedAsync(registrationId);
        }
        catch (CacheUnavailableException)
        {
            return Problem.Unavailable(context, "Whether this registration was accepted cannot be checked right now; retry later.");
        }
        return accepted
            ? TypedResults.Ok(new RegistrationStatusResponse(registrationId, nameof(RegistrationStatus.Pending), null, null))
            : Problem.Of(StatusCodes.Status404NotFound, ProblemTypes.RegistrationNotFound, "No such registration.", "No registration with this id was accepted.");
    }

    private static async Task<Results<Ok<MemberResponse>, ProblemHttpResult>> GetMemberAsync(long memberId, HttpContext context, AppDbContext db)
    {
        if (memberId <= 0)
        {
            return MemberNotFound();
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(ReadTimeout);
        try
        {
            var member = await db.Members.AsNoTracking().FirstOrDefaultAsync(m => m.Id == memberId, timeout.Token);
            return member is null
                ? MemberNotFound()
                : TypedResults.Ok(new MemberResponse(member.Id, member.Name, member.Email, member.PhoneNumber,
                    new DateTimeOffset(DateTime.SpecifyKind(member.RegisteredAt, DateTimeKind.Utc))));
        }
        catch (Exception ex) when (DatabaseOutage.Is(ex, context.RequestAborted))
        {
            return Problem.Unavailable(context, "The member store is not answering; retry later.");
        }
    }

    private static ProblemHttpResult MemberNotFound() =>
        Problem.Of(StatusCodes.Status404NotFound, ProblemTypes.MemberNotFound, "No such member.", "No member has this id.");

    private static ProblemHttpResult? ReadIdempotencyKey(StringValues values, out string? key)
    {
        key = null;
        if (values.Count == 0)
        {
            return null;
        }
        if (values.Count > 1 || !MemberRegistrationValidator.IsValidIdempotencyKey(values[0] ?? ""))
        {
            return Problem.Of(StatusCodes.Status400BadRequest, ProblemTypes.InvalidIdempotencyKey,
                "The Idempotency-Key header is invalid.", "Send one Idempotency-Key of 1-100 printable ASCII characters.");
        }
        key = values[0];
        return null;
    }
}
