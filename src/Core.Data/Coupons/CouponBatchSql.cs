using KafkaPractice.Core.Data.Bulk;
using KafkaPractice.Core.Data.Members;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KafkaPractice.Core.Data.Coupons;

/// <summary>
/// The statements the coupon consumer runs for one batch, with table and column names from the EF
/// model (built once per model).
/// </summary>
public sealed class CouponBatchSql
{
    public CouponBatchSql(IModel model)
    {
        ExistingCampaigns = new(model, [nameof(Campaign.Id)], nameof(Campaign.Id));
        ExistingMembers = new(model, [nameof(Member.Id)], nameof(Member.Id));
        InsertIgnoringDuplicates = new(model, ignoreDuplicates: true);
    }

    public static CouponBatchSql For(IModel model) => PerModel<CouponBatchSql>.Get(model, m => new CouponBatchSql(m));

    /// <summary>Which of the campaign ids exist: <c>id</c>.</summary>
    public SelectWhereIn<Campaign> ExistingCampaigns { get; }

    /// <summary>Which of the member ids exist: <c>id</c>.</summary>
    public SelectWhereIn<Member> ExistingMembers { get; }

    /// <summary>Coupons; one already there for the same (campaign, member) is left as it is.</summary>
    public BulkInsert<Coupon> InsertIgnoringDuplicates { get; }
}
