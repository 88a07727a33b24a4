using System.Globalization;
using System.Text.Json;
using KafkaPractice.Core.Cache;
using KafkaPractice.Core.Data;
using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Core.Data.Coupons;
using KafkaPractice.Producer.Api.Admission;
using KafkaPractice.Producer.Api.Members;
using KafkaPractice.Producer.Api.Problems;
using KafkaPractice.Producer.Api.Security;

namespace KafkaPractice.Producer.Api.Coupons;

public static class CouponsApi
{
    public const int MinStock = 1;
    public const int MaxStock = 1_000_000;

    /// <summary>The fields of a <c>POST /campaigns</c> body; any other is refused.</summary>
    public static readonly string[] CreateCampaignFields = ["name", "stock"];

    /// <summary>The fields of a <c>POST /campaigns/{campaignId}/coupons</c> body; any other is refused.</summary>
    public static readonly string[] RequestCouponFields = ["memberId"];

    public static IEndpointRouteBuilder MapCouponsApi(this IEndpointRouteBuilder app)
    {
        var campaigns = app.MapGroup("/campaigns").WithTags("Coupons");

        campaigns.MapPost("/", CreateCampaignAsync)
            .WithName("CreateCampaign")
            .WithSummary("Creates a first-come-first-served coupon campaign with a fixed stock.")
            .Accepts<CreateCampaignRequest>("application/json")
            .Produces<CampaignResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireAdminKey();

        campaigns.MapGet("/{campaignId}", GetCampaignAsync)
            .WithName("GetCampaign")
            .WithSummary("A campaign's stock, the coupons granted and what remains.")
            .Produces<CampaignResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        campaigns.MapPost("/{campaignId}/coupons", RequestCouponAsync)
            .WithName("RequestCoupon")
            .WithSummary("Requests the member's coupon; 202 once Kafka acknowledged the request with acks=all.")
            .Accepts<RequestCouponRequest>("application/json")
            .Produces<CouponAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireMemberRateLimit(CouponRequestBody.MemberIdAsync);

        campaigns.MapGet("/{campaignId}/coupons/{memberId:long}", GetCouponAsync)
            .WithName("GetCoupon")
            .WithSummary("The member's coupon in the campaign: Pending until the consumer wrote it, then Issued.")
            .Produces<CouponStatusResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        app.MapPost("/coupons/{memberId}", RequestDefaultCouponAsync)
            .WithTags("Coupons")
            .WithName("RequestDefaultCoupon")
            .WithSummary("The original endpoint: requests the member's coupon in the campaign 'default'.")
            .Produces<CouponAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireMemberRateLimit(MemberRateLimiting.FromRoute("memberId"));

        return app;
    }

    private static async Task<IResult> CreateCampaignAsync(HttpContext context, CampaignStore store, CouponStock stock, TimeProvider time)
    {
        var body = await JsonBodyReader.ReadObjectAsync(context.Request, context.RequestAborted);
        if (body.Problem is not null)
        {
            return body.Problem;
        }
        string? name;
        int stockValue;
        using (var document = body.Document!)
        {
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            var (rawName, nameTypeError) = JsonBodyReader.ReadString(document.RootElement, "name");
            string? nameError = nameTypeError;
            name = nameTypeError is null ? MemberRegistrationValidator.ValidateName(rawName, out nameError) : null;
            if (nameError is not null)
            {
                errors["name"] = [nameError];
            }
            var stockError = ReadInteger(document.RootElement, "stock", MinStock, MaxStock, out var parsedStock);
            if (stockError is not null)
            {
                errors["stock"] = [stockError];
            }
            JsonBodyReader.AddUnknownFieldErrors(document.RootElement, CreateCampaignFields, errors);
            if (errors.Count > 0)
            {
                return Problem.Validation(errors);
            }
            stockValue = (int)parsedStock;
        }

        var campaign = new Campaign
        {
            Id = Guid.CreateVersion7().ToString("N"),
            Name = name!,
            Stock = stockValue,
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

    private static async Task<IResult> GetCampaignAsync(string campaignId, HttpContext context, CampaignStore store, CouponStock stock, CampaignReconciler reconciler)
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

    private static async Task<IResult> RequestCouponAsync(string campaignId, HttpContext context, CouponIssuer issuer)
    {
        var body = await CouponRequestBody.ReadAsync(context);
        return body.Problem ?? await IssueAsync(campaignId, body.MemberId, context, issuer);
    }

    private static async Task<IResult> RequestDefaultCouponAsync(string memberId, HttpContext context, CouponIssuer issuer)
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

    private static async Task<IResult> IssueAsync(string campaignId, long memberId, HttpContext context, CouponIssuer issuer)
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

    private static async Task<IResult> GetCouponAsync(string campaignId, long memberId, HttpContext context, CampaignStore store, CouponStock stock)
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

    private static IResult CampaignNotFound() =>
        Problem.Of(StatusCodes.Status404NotFound, CouponProblemTypes.CampaignNotFound, "No such campaign.", "No campaign has this id.");

    /// <summary>A required JSON integer within bounds; returns the error message for the field, or null.</summary>
    internal static string? ReadInteger(JsonElement obj, string field, long min, long max, out long value)
    {
        value = 0;
        if (!obj.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return $"'{field}' is required.";
        }
        if (element.ValueKind != JsonValueKind.Number)
        {
            return $"'{field}' must be a JSON number.";
        }
        if (!element.TryGetInt64(out value) || value < min || value > max)
        {
            return max == long.MaxValue
                ? $"'{field}' must be an integer of at least {min}."
                : $"'{field}' must be an integer from {min.ToString("N0", CultureInfo.InvariantCulture)} to {max.ToString("N0", CultureInfo.InvariantCulture)}.";
        }
        return null;
    }
}
