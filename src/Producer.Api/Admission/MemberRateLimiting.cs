using System.Globalization;
using System.Threading.RateLimiting;
using KafkaPractice.Producer.Api.Problems;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace KafkaPractice.Producer.Api.Admission;

/// <summary>Settings of section <c>Coupons:RateLimit</c>.</summary>
public sealed class MemberRateLimitOptions
{
    public const string SectionName = "Coupons:RateLimit";

    /// <summary>Coupon requests a member may send per second, sustained.</summary>
    public int PermitsPerSecond { get; set; } = 10;

    /// <summary>Requests a member may send at once beyond a second's worth (the bucket holds PermitsPerSecond + Burst).</summary>
    public int Burst { get; set; } = 5;
}

/// <summary>Where an endpoint finds the member a request is for, before the endpoint runs; null when the request names none validly.</summary>
public sealed class MemberPartitionMetadata(Func<HttpContext, ValueTask<long?>> memberId)
{
    public Func<HttpContext, ValueTask<long?>> MemberId { get; } = memberId;
}

/// <summary>
/// Admission control for the coupon endpoints: ASP.NET Core's rate-limiting middleware with one
/// token bucket per member (<see cref="MemberTokenBuckets"/>; not per IP address: a flash sale's
/// members share NATs), in front of the endpoint, so a refused request reaches neither Redis nor
/// Kafka. A request that names no valid member is not limited: the endpoint answers it with its 400.
/// </summary>
public static class MemberRateLimiting
{
    public const string TooManyRequestsType = ProblemTypes.BaseUri + "too-many-requests";

    public static IHostApplicationBuilder AddMemberRateLimiting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MemberRateLimitOptions>()
            .BindConfiguration(MemberRateLimitOptions.SectionName)
            .Validate(o => o.PermitsPerSecond >= 1 && o.Burst >= 0,
                "Coupons:RateLimit:PermitsPerSecond must be at least 1 and Coupons:RateLimit:Burst at least 0.")
            .ValidateOnStart();
        builder.Services.AddSingleton<MemberTokenBuckets>();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = RejectAsync;
        });
        // The global limiter sees every request and limits only those with a member (the endpoints
        // that call RequireMemberRateLimit).
        builder.Services.AddOptions<RateLimiterOptions>().Configure<MemberTokenBuckets>((options, buckets) => options.GlobalLimiter = buckets);
        return builder;
    }

    /// <summary>
    /// Runs after routing: finds the member of a rate-limited request (for a JSON body, by reading
    /// and validating it once; the endpoint takes that result), then applies the limiter.
    /// </summary>
    public static IApplicationBuilder UseMemberRateLimiting(this IApplicationBuilder app)
    {
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<MemberPartitionMetadata>() is { } partition)
            {
                context.Features.Set(new MemberPartitionFeature(await partition.MemberId(context)));
            }
            await next(context);
        });
        return app.UseRateLimiter();
    }

    /// <summary>Limits the endpoint per member, the member found by <paramref name="memberId"/>.</summary>
    public static RouteHandlerBuilder RequireMemberRateLimit(this RouteHandlerBuilder endpoint, Func<HttpContext, ValueTask<long?>> memberId) =>
        endpoint
            .WithMetadata(new MemberPartitionMetadata(memberId))
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    /// <summary>The member id in route value <paramref name="name"/>, when it is a positive 64-bit integer.</summary>
    public static Func<HttpContext, ValueTask<long?>> FromRoute(string name) => context =>
        ValueTask.FromResult<long?>(
            context.Request.RouteValues[name] is string text
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
                ? id
                : null);

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        var http = rejected.HttpContext;
        var options = http.RequestServices.GetRequiredService<IOptions<MemberRateLimitOptions>>().Value;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Problem.Of(StatusCodes.Status429TooManyRequests, TooManyRequestsType,
                "Too many requests for this member.",
                $"A member may send {options.PermitsPerSecond} coupon requests per second (bursts of {options.PermitsPerSecond + options.Burst}); nothing was reserved. Retry after {seconds} s.")
            .ExecuteAsync(http);
    }
}
