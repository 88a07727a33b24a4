using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization.Metadata;
using KafkaPractice.Producer.Api.Members;
using KafkaPractice.Producer.Api.Problems;

namespace KafkaPractice.Producer.Api.Coupons;

/// <summary>Body of <c>POST /campaigns</c> as bound (an absent field is null); validated into a <see cref="NewCampaign"/>.</summary>
public sealed record CreateCampaignRequest(string? Name, long? Stock) : IJsonRequest<CreateCampaignRequest, NewCampaign>
{
    public const int MinStock = 1;
    public const int MaxStock = 1_000_000;

    private static readonly JsonField StockField = JsonField.WholeNumber("stock", MinStock, MaxStock);

    public static IReadOnlyList<JsonField> Fields { get; } = [JsonField.Text("name"), StockField];

    public static JsonTypeInfo<CreateCampaignRequest> TypeInfo => RequestJsonContext.Default.CreateCampaignRequest;

    public static CreateCampaignRequest FromFields(JsonFieldValues values) => new(values.Text("name"), values.WholeNumber("stock"));

    public bool TryValidate(Dictionary<string, string[]> errors, [MaybeNullWhen(false)] out NewCampaign valid)
    {
        valid = null;
        // A campaign is named like a member.
        var name = MemberRegistrationValidator.ValidateName(Name, out var nameError);
        if (nameError is not null)
        {
            errors["name"] = [nameError];
        }
        if (StockField.Check(Stock) is { } stockError)
        {
            errors["stock"] = [stockError];
        }
        if (name is null || errors.Count > 0)
        {
            return false;
        }
        valid = new NewCampaign(name, (int)Stock!.Value);
        return true;
    }
}

/// <summary>A campaign to create: its name trimmed, its stock within bounds.</summary>
public sealed record NewCampaign(string Name, int Stock);

/// <summary>Body of <c>POST /campaigns/{campaignId}/coupons</c> as bound; validated into the member id.</summary>
public sealed record RequestCouponRequest(long? MemberId) : IJsonRequest<RequestCouponRequest, long>
{
    private static readonly JsonField MemberIdField = JsonField.WholeNumber("memberId", 1, long.MaxValue);

    public static IReadOnlyList<JsonField> Fields { get; } = [MemberIdField];

    public static JsonTypeInfo<RequestCouponRequest> TypeInfo => RequestJsonContext.Default.RequestCouponRequest;

    public static RequestCouponRequest FromFields(JsonFieldValues values) => new(values.WholeNumber("memberId"));

    public bool TryValidate(Dictionary<string, string[]> errors, out long valid)
    {
        valid = MemberId ?? 0;
        if (MemberIdField.Check(MemberId) is { } error)
        {
            errors["memberId"] = [error];
            return false;
        }
        return true;
    }
}

public sealed record CampaignResponse(string CampaignId, string Name, int Stock, int Issued, int Remaining);

public sealed record CouponAccepted(string CampaignId, long MemberId, string Status);

public sealed record CouponStatusResponse(string CampaignId, long MemberId, string Status, long? CouponId, DateTimeOffset? IssuedAt);

public static class CouponStatus
{
    public const string Pending = "Pending";
    public const string Issued = "Issued";
}

/// <summary>Stable problem types of the coupon flow (same base as <see cref="Problems.ProblemTypes"/>).</summary>
public static class CouponProblemTypes
{
    public const string CampaignNotFound = Problems.ProblemTypes.BaseUri + "campaign-not-found";
    public const string AlreadyIssued = Problems.ProblemTypes.BaseUri + "already-issued";
    public const string SoldOut = Problems.ProblemTypes.BaseUri + "sold-out";
    public const string CouponNotFound = Problems.ProblemTypes.BaseUri + "coupon-not-found";
}

/// <summary>Settings in section <c>Coupons</c>.</summary>
public sealed class CouponOptions
{
    public const string SectionName = "Coupons";

    /// <summary>The worker's group on <c>create_coupon</c>, whose committed offsets tell when MySQL has caught up.</summary>
    public string ConsumerGroup { get; set; } = Messaging.Coupons.CouponRequested.DefaultConsumerGroup;

    /// <summary>
    /// How long a rebuild waits, after it found a campaign's keys gone, before it reads Kafka's end
    /// offsets: every produce that started before the keys vanished has ended by then. Default:
    /// the producer's delivery timeout + 1 s (enough for any number of API instances).
    /// </summary>
    public int? RebuildGraceMs { get; set; }

    /// <summary>How long a rebuild or a settling round waits for the consumer group to catch up.</summary>
    public int CatchUpTimeoutSeconds { get; set; } = 30;

    /// <summary>An ambiguous failure is settled against MySQL once it is this old.</summary>
    public int SettleAfterSeconds { get; set; } = 15;

    public int SettleIntervalSeconds { get; set; } = 5;

    /// <summary>How long the start-up warm-up keeps trying to load campaign <c>default</c> before the API reports ready (Degraded) without it.</summary>
    public int WarmUpTimeoutSeconds { get; set; } = 120;
}
