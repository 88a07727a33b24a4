using KafkaPractice.Producer.Api.Problems;

namespace KafkaPractice.Producer.Api.Coupons;

/// <summary>
/// A <c>POST /campaigns/{campaignId}/coupons</c> body, bound and validated once per request: the
/// per-member rate limiter needs the member id before the endpoint runs, and the endpoint takes
/// the same result (the member id, or the 400/413 problem) instead of reading the body again.
/// </summary>
public static class CouponRequestBody
{
    public static async ValueTask<JsonBody<long>> ReadAsync(HttpContext context)
    {
        if (context.Features.Get<JsonBody<long>>() is { } read)
        {
            return read;
        }
        var body = await JsonBodyReader.BindAsync<RequestCouponRequest, long>(context);
        context.Features.Set(body);
        return body;
    }

    /// <summary>The member id when the body is valid; null for a body the endpoint refuses (never rate-limited).</summary>
    public static async ValueTask<long?> MemberIdAsync(HttpContext context) =>
        await ReadAsync(context) is { IsValid: true } body ? body.Value : null;
}
