using KafkaPractice.Core.Cache.Coupons;

namespace KafkaPractice.Tests.Coupons;

/// <summary>When a rebuild may skip (part of) its grace: only when the real Redis proves the lost keys went with its previous server.</summary>
public sealed class LostKeysProofTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private readonly CouponStock _stock = new(redis.Redis);

    [Fact]
    public async Task Only_a_campaign_never_loaded_since_an_unflushed_start_has_a_proven_loss_age()
    {
        var campaign = "proof-" + Guid.NewGuid().ToString("N");
        Assert.NotNull(await _stock.ProvenLossAgeAsync(campaign));

        Assert.True(await _stock.InstallAsync(campaign, 5, AsyncEnumerable.Empty<IReadOnlyCollection<long>>(), [], CancellationToken.None));
        await redis.Redis.GetDatabase().KeyDeleteAsync([CouponStock.MetaKey(campaign), CouponStock.HoldersKey(campaign)]);
        Assert.Null(await _stock.ProvenLossAgeAsync(campaign));

        // After a flush nothing tells when a campaign's keys went: no campaign is proven any more.
        await redis.Redis.GetServers()[0].FlushAllDatabasesAsync();
        Assert.Null(await _stock.ProvenLossAgeAsync(campaign));
        Assert.Null(await _stock.ProvenLossAgeAsync("proof-" + Guid.NewGuid().ToString("N")));
    }
}
