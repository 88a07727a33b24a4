namespace KafkaPractice.Core.Data.Coupons;

/// <summary>
/// A coupon issued to a member. (CampaignId, MemberId) is unique, so a redelivered record inserts
/// nothing; the foreign keys make a coupon for an unknown member or campaign impossible.
/// </summary>
public sealed class Coupon
{
    public long Id { get; set; }
    public required string CampaignId { get; set; }
    public long MemberId { get; set; }
    /// <summary>When the API accepted the request (the record's timestamp).</summary>
    public DateTime RequestedAt { get; set; }
    public DateTime IssuedAt { get; set; }
}
