using System.Globalization;
using KafkaPractice.Core.Cache;
using KafkaPractice.Core.Data;
using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Core.Data.Coupons;
using KafkaPractice.Producer.Api.Admission;
using KafkaPractice.Producer.Api.Members;
using KafkaPractice.Producer.Api.Problems;
using KafkaPractice.Producer.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace KafkaPractice.Producer.Api.Coupons;

public static class CouponsApi
{
    public static IEndpointRouteBuilder MapCouponsApi(this IEndpointRouteBuilder app)
    {
        var coupons = app.MapGroup("")
            .WithTags("Coupons")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        var campaigns = coupons.MapGroup("/campaigns");

        campaigns.MapPost("/", CreateCampaignAsync)
            .WithName("CreateCampaign")
            .WithSummary("Creates a first-come-first-served coupon campaign with a fixed stock.")
            .AcceptsJsonBody<CreateCampaignRequest>()
            .RequireAdminKey();

        campaigns.MapGet("/{campaignId}", GetCampaignAsync)
            .WithName("GetCampaign")
            .WithSummary("A campaign's stock, the coupons granted and what remains.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        campaigns.MapPost("/{campaignId}/coupons", RequestCouponAsync)
            .WithName("RequestCoupon")
            .WithSummary("Requests the member's coupon; 202 once Kafka acknowledged the request with acks=all.")
            .AcceptsJsonBody<RequestCouponRequest>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireMemberRateLimit(CouponRequestBody.MemberIdAsync);

        campaigns.MapGet("/{campaignId}/coupons/{memberId:long}", GetCouponAsync)
            .WithName("GetCoupon")
            .WithSummary("The member's coupon in the campaign: Pending until the consumer wrote it, then Issued.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        coupons.MapPost("/coupons/{memberId}", RequestDefaultCouponAsync)
            .WithName("RequestDefaultCoupon")
            .WithSummary("The original endpoint: requests the member's coupon in the campaign 'default'.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireMemberRateLimit(MemberRateLimiting.FromRoute("memberId"));

        return app;
    }

    private static async Task<Results<Created<CampaignResponse>, ProblemHttpResult>> CreateCampaignAsync(HttpContext context, CampaignStore store, CouponStock stock, TimeProvider time)
    {
        var body = await JsonBodyReader.BindAsync<CreateCampaignRequest, NewCampaign>(context);
        if (!body.IsValid)
        {
            return body.Problem;
        }

        var campaign = new Campaign
        {
            Id = Guid.CreateVersion7().ToString("N"),
            Name = body.Value.Name,
            Stock = body.Value.Stock,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        try
        {
            await store.CreateAsync(campaign, context.RequestAborted);
        }
        catch (Exception ex) when (DatabaseOutage.Is(ex, context.RequestAborted))
        {
            return Problem.Unavailable(context, "The campaign store is not answering; retry later.");
        }
        try
        {
            await stock.InstallAsync(campaign.Id, campaign.Stock, AsyncEnumerable.Empty<IReadOnlyCollection<long>>(), [], context.RequestAborted);
        }
        catch (CacheUnavailableException)
        {
            // The campaign exists (MySQL); its stock is loaded into Redis on its first request.
        }
        return TypedResults.Created($"/campaigns/{campaign.Id}",
            new CampaignResponse(campaign.Id, campaign.Name, campaign.Stock, 0, campaign.Stock));
    }

    private static async Task<Results<Ok<CampaignResponse>, ProblemHttpResult>> GetCampaignAsync(string campaignId, HttpContext context, CampaignStore store, CouponStock stock, CampaignReconciler reconciler)
    {
        Campaign? campaign;
        try
        {
            campaign = await store.FindAsync(campaignId, context.RequestAborted);
        }
        catch (Exception ex) when (DatabaseOutage.Is(ex, context.RequestAborted))
        {
            return Problem.Unavailable(context, "The campaign store is not answering; retry later.");
        }
        if (campaign is null)
        {
            return CampaignNotFound();
        }

        int issued;
        try
        {
            var counts = await stock.CountsAsync(campaign.Id);
            if (counts.Loaded)
            {
                issued = counts.Taken;
            }
            else
            {
                reconciler.Trigger(campaign);
                issued = await store.CountCouponsAsync(campaign.Id, context.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is CacheUnavailableException || DatabaseOutage.Is(ex, context.RequestAborted))
        {
            return Problem.Unavailable(context, "The campaign's counts cannot be read right now; retry later.");
        }
        // As counted, never clamped to the stock: an over-issue must show (remaining goes negative), not hide.
        return TypedResults.Ok(new CampaignResponse(campaign.Id, campaign.Name, campaign.Stock, issued, campaign.Stock - issued));
    }

    private static async Task<Results<Accepted<CouponAccepted>, ProblemHttpResult>> RequestCouponAsync(string campaignId, HttpContext context, CouponIssuer issuer)
    {
        var body = await CouponRequestBody.ReadAsync(context);
        return body.IsValid ? await IssueAsync(campaignId, body.Value, context, issuer) : body.Problem;
    }

    private static async Task<Results<Accepted<CouponAccepted>, ProblemHttpResult>> RequestDefaultCouponAsync(string memberId, HttpContext context, CouponIssuer issuer)
    {
        if (!long.TryParse(memberId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
        {
            return Problem.Validation(new Dictionary<string, string[]>(StringComparer.Ordinal)
            {
                ["memberId"] = ["'memberId' must be a positive 64-bit integer."],
            });
        }
        return await IssueAsync(Campaign.DefaultId, id, context, issuer);
    }

    private static async Task<Results<Accepted<CouponAccepted>, ProblemHttpResult>> IssueAsync(string campaignId, long memberId, HttpContext context, CouponIssuer issuer)
    {
        var outcome = await issuer.RequestAsync(campaignId, memberId, context.RequestAborted);
        CouponMetrics.Record(outcome);
        return outcome switch
        {
            CouponOutcome.Accepted => TypedResults.Accepted(
                $"/campaigns/{Uri.EscapeDataString(campaignId)}/coupons/{memberId.ToString(CultureInfo.InvariantCulture)}",
                new CouponAccepted(campaignId, memberId, CouponStatus.Pending)),
            CouponOutcome.CampaignNotFound => CampaignNotFound(),
            CouponOutcome.MemberNotFound => Problem.Of(StatusCodes.Status404NotFound, ProblemTypes.MemberNotFound,
                "No such member.", "No member has this id."),
            CouponOutcome.AlreadyIssued => Problem.Of(StatusCodes.Status409Conflict, CouponProblemTypes.AlreadyIssued,
                "The member already has a coupon in this campaign.", "One coupon per member and campaign."),
            CouponOutcome.SoldOut => Problem.Of(StatusCodes.Status409Conflict, CouponProblemTypes.SoldOut,
                "The campaign is sold out.", "Every coupon of this campaign has been granted."),
            CouponOutcome.Unavailable unavailable => Problem.Unavailable(context, unavailable.Detail),
            _ => throw new InvalidOperationException($"Unhandled outcome {outcome}."),
        };
    }

    private static async Task<Results<Ok<CouponStatusResponse>, ProblemHttpResult>> GetCouponAsync(string campaignId, long memberId, HttpContext context, CampaignStore store, CouponStock stock)
    {
        try
        {
            var campaign = await store.FindAsync(campaignId, context.RequestAborted);
            if (campaign is null)
            {
                return CampaignNotFound();
            }
            var coupon = await store.FindCouponAsync(campaign.Id, memberId, context.RequestAborted);
            if (coupon is not null)
            {
                return TypedResults.Ok(new CouponStatusResponse(campaign.Id, memberId, CouponStatus.Issued, coupon.Id,
                    new DateTimeOffset(DateTime.SpecifyKind(coupon.IssuedAt, DateTimeKind.Utc))));
            }
            if (memberId > 0 && await stock.IsHolderAsync(campaign.Id, memberId))
            {
                return TypedResults.Ok(new CouponStatusResponse(campaign.Id, memberId, CouponStatus.Pending, null, null));
            }
            return Problem.Of(StatusCodes.Status404NotFound, CouponProblemTypes.CouponNotFound,
                "No such coupon.", "This member has no coupon (and no pending request) in this campaign.");
        }
        catch (Exception ex) when (ex is CacheUnavailableException || DatabaseOutage.Is(ex, context.RequestAborted))
        {
            return Problem.Unavailable(context, "The coupon's state cannot be read right now; retry later.");
        }
    }

    private static ProblemHttpResult CampaignNotFound() =>
        Problem.Of(StatusCodes.Status404NotFound, CouponProblemTypes.CampaignNotFound, "No such campaign.", "No campaign has this id.");
}
