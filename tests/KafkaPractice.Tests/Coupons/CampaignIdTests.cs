using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Tests.Infrastructure;
using StackExchange.Redis;

namespace KafkaPractice.Tests.Coupons;

/// <summary>Campaign ids are compared ordinally, whatever MySQL's collation says; counts are reported as they are.</summary>
[Collection(AppHostCollection.Name)]
public sealed class CampaignIdTests(AppHostFixture fixture)
{
    [Theory]
    [InlineData("default%20")]
    [InlineData("default%20%20")]
    [InlineData("DEFAULT")]
    public async Task An_id_the_collation_confuses_with_an_existing_campaign_is_not_found(string path)
    {
        using var api = fixture.CreateApiClient();
        var members = await CouponsApiClient.SeedMembersAsync(fixture, 1);

        using var request = await api.RequestCouponAsync(path, members[0]);
        Assert.Equal((404, "campaign-not-found"), await CouponsApiClient.AnswerAsync(request));
        using var read = await api.GetAsync($"/campaigns/{path}");
        Assert.Equal((404, "campaign-not-found"), await CouponsApiClient.AnswerAsync(read));
        using var coupon = await api.GetAsync($"/campaigns/{path}/coupons/{members[0]}");
        Assert.Equal((404, "campaign-not-found"), await CouponsApiClient.AnswerAsync(coupon));
    }

    [Fact]
    public async Task A_campaign_reports_the_real_number_of_slots_taken_even_beyond_its_stock()
    {
        using var api = fixture.CreateApiClient();
        var campaignId = await fixture.CreateCampaignAsync(stock: 1);
        // What an over-issue would look like in Redis: two holders on a stock of 1. It must show, not be clamped away.
        await using (var redis = await CouponsApiClient.ConnectRedisAsync(fixture))
        {
            await redis.GetDatabase().SetAddAsync(CouponStock.HoldersKey(campaignId), [(RedisValue)9_000_000_001, (RedisValue)9_000_000_002]);
        }

        var campaign = await api.GetCampaignAsync(campaignId);
        Assert.Equal(2, campaign.GetProperty("issued").GetInt32());
        Assert.Equal(-1, campaign.GetProperty("remaining").GetInt32());
    }
}
