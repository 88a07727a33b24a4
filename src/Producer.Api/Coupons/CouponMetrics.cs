using System.Diagnostics.Metrics;

namespace KafkaPractice.Producer.Api.Coupons;

/// <summary>Coupon answers on meter <see cref="MeterName"/>: granted (202) and refused, by reason.</summary>
public static class CouponMetrics
{
    public const string MeterName = "KafkaPractice.Coupons";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Issued = Meter.CreateCounter<long>(
        "kafkapractice.coupons.issued", "{coupon}", "Coupon requests granted (202: the record is in Kafka).");

    private static readonly Counter<long> Refused = Meter.CreateCounter<long>(
        "kafkapractice.coupons.refused", "{request}", "Coupon requests refused, by reason (the problem type's slug, or unavailable).");

    public static void Record(CouponOutcome outcome)
    {
        var reason = outcome switch
        {
            CouponOutcome.Accepted => null,
            CouponOutcome.CampaignNotFound => "campaign-not-found",
            CouponOutcome.MemberNotFound => "member-not-found",
            CouponOutcome.AlreadyIssued => "already-issued",
            CouponOutcome.SoldOut => "sold-out",
            _ => "unavailable",
        };
        if (reason is null)
        {
            Issued.Add(1);
        }
        else
        {
            Refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
        }
    }
}
