namespace KafkaPractice.Core.Data.Coupons;

/// <summary>A first-come-first-served coupon campaign: at most <see cref="Stock"/> coupons, one per member.</summary>
public sealed class Campaign
{
    public const string DefaultId = "default";

    public required string Id { get; set; }
    public required string Name { get; set; }
    public int Stock { get; set; }
    public DateTime CreatedAt { get; set; }
}
