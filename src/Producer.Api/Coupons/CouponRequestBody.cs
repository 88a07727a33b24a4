using KafkaPractice.Producer.Api.Problems;

namespace KafkaPractice.Producer.Api.Coupons;

/// <summary>
/// A <c>POST /campaigns/{campaignId}/coupons</c> body, read and validated once per request: the
/// per-member rate limiter needs the member id before the endpoint runs, and the endpoint takes
/// the same result (the member id, or the 400/413 problem) instead of reading the body again.
/// </summary>
public sealed record CouponRequestBody(long MemberId, IResult? Problem)
{
    public static async ValueTask<CouponRequestBody> ReadAsync(HttpContext context)
    {
        if (context.Features.Get<CouponRequestBody>() is { } read)
        {
            return read;
        }
        var body = await ParseAsync(context);
        context.Features.Set(body);
        return body;
    }

    /// <summary>The member id when the body is valid; null for a body the endpoint refuses (never rate-limited).</summary>
    public static async ValueTask<long?> MemberIdAsync(HttpContext context) =>
        await ReadAsync(context) is { Problem: null } body ? body.MemberId : null;

    private static async Task<CouponRequestBody> ParseAsync(HttpContext context)
    {
        var body = await JsonBodyReader.ReadObjectAsync(context.Request, context.RequestAborted);
        if (body.Problem is not null)
        {
            return new CouponRequestBody(0, body.Problem);
        }
        using var document = body.Document!;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var error = CouponsApi.ReadInteger(document.RootElement, "memberId", 1, long.MaxValue, out var memberId);
        if (error is not null)
        {
            errors["memberId"] = [error];
        }
        JsonBodyReader.AddUnknownFieldErrors(document.RootElement, CouponsApi.RequestCouponFields, errors);
        return errors.Count > 0 ? new CouponRequestBody(0, Problems.Problem.Validation(errors)) : new CouponRequestBody(memberId, null);
    }
}
