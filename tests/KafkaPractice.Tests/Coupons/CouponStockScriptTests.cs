using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Core.Cache.Members;
using StackExchange.Redis;

namespace KafkaPractice.Tests.Coupons;

/// <summary>The reservation scripts against a real redis-server: order of the checks, what a refusal changes, release and the ambiguity rules.</summary>
public sealed class CouponStockScriptTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private readonly CouponStock _stock = new(redis.Redis);
    private readonly string _campaign = "c-" + Guid.NewGuid().ToString("N");
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private IDatabase Db => redis.Redis.GetDatabase();

    private async Task LoadAsync(int stock, params long[] holders) =>
        Assert.True(await _stock.InstallAsync(_campaign, stock, Pages(holders), [], CancellationToken.None));

    private static async IAsyncEnumerable<IReadOnlyCollection<long>> Pages(long[] holders)
    {
        await Task.Yield();
        yield return holders;
    }

    private async Task MembersAsync(params long[] ids) =>
        await Db.SetAddAsync(MemberCache.MemberIdsKey, ids.Select(i => (RedisValue)i).ToArray());

    private async Task<string> SnapshotAsync()
    {
        var holders = (await Db.SetMembersAsync(CouponStock.HoldersKey(_campaign))).Select(v => (string)v!).Order();
        var meta = (await Db.HashGetAllAsync(CouponStock.MetaKey(_campaign))).Select(e => $"{e.Name}={e.Value}").Order();
        var uncertain = (await Db.HashGetAllAsync(CouponStock.UncertainKey(_campaign))).Select(e => $"{e.Name}={e.Value}").Order();
        return string.Join(",", holders) + "|" + string.Join(",", meta) + "|" + string.Join(",", uncertain);
    }

    [Fact]
    public async Task Unknown_campaign_is_not_loaded()
    {
        await MembersAsync(1);
        Assert.Equal(ReservationStatus.CampaignNotLoaded, (await _stock.ReserveAsync(_campaign, 1)).Status);
        Assert.False(await Db.KeyExistsAsync(CouponStock.HoldersKey(_campaign)));
    }

    [Fact]
    public async Task Checks_run_in_contract_order_and_refusals_change_nothing()
    {
        await LoadAsync(1);
        await MembersAsync(101, 102);
        var before = await SnapshotAsync();

        Assert.Equal(ReservationStatus.MemberNotFound, (await _stock.ReserveAsync(_campaign, 999_999_999)).Status);
        Assert.Equal(before, await SnapshotAsync());

        var granted = await _stock.ReserveAsync(_campaign, 101);
        Assert.Equal(ReservationStatus.Reserved, granted.Status);
        _stock.Confirm(_campaign, 101, granted);
        var afterGrant = await SnapshotAsync();

        // Already issued is checked before sold out.
        Assert.Equal(ReservationStatus.AlreadyIssued, (await _stock.ReserveAsync(_campaign, 101)).Status);
        Assert.Equal(ReservationStatus.SoldOut, (await _stock.ReserveAsync(_campaign, 102)).Status);
        Assert.Equal(afterGrant, await SnapshotAsync());
        Assert.Equal(new CampaignCounts(true, 1, 1), await _stock.CountsAsync(_campaign));
    }

    [Fact]
    public async Task Concurrent_reservations_never_exceed_the_stock()
    {
        await LoadAsync(50);
        var members = Enumerable.Range(1, 1000).Select(i => (long)i + 10_000).ToArray();
        await MembersAsync(members);
        var results = await Task.WhenAll(members.Select(m => _stock.ReserveAsync(_campaign, m)));
        Assert.Equal(50, results.Count(r => r.Status == ReservationStatus.Reserved));
        Assert.Equal(950, results.Count(r => r.Status == ReservationStatus.SoldOut));
        Assert.Equal(new CampaignCounts(true, 50, 50), await _stock.CountsAsync(_campaign));
    }

    [Fact]
    public async Task A_not_persisted_failure_gives_the_slot_back_in_the_same_epoch_only()
    {
        await LoadAsync(1);
        await MembersAsync(201, 202);
        var reservation = await _stock.ReserveAsync(_campaign, 201);
        Assert.False(await _stock.ReleaseAsync(_campaign, 201, reservation with { Epoch = "another-epoch" }));
        Assert.False(await _stock.ReleaseAsync(_campaign, 201, reservation with { Stamp = "1:0000000000000000" }));
        Assert.True(await _stock.ReleaseAsync(_campaign, 201, reservation));
        Assert.Equal(new CampaignCounts(true, 1, 0), await _stock.CountsAsync(_campaign));
        Assert.Empty(await _stock.UncertainAsync(_campaign));
        Assert.Equal(ReservationStatus.Reserved, (await _stock.ReserveAsync(_campaign, 202)).Status);
    }

    [Fact]
    public async Task An_uncertain_slot_stays_taken_a_retry_reproduces_and_settling_is_compare_and_delete()
    {
        await LoadAsync(1);
        await MembersAsync(301, 302);
        var reservation = await _stock.ReserveAsync(_campaign, 301);
        await _stock.MarkUncertainAsync(_campaign, 301);

        Assert.False(await _stock.ReleaseAsync(_campaign, 301, reservation));
        Assert.Equal(ReservationStatus.SoldOut, (await _stock.ReserveAsync(_campaign, 302)).Status);
        Assert.Contains(_campaign, await _stock.UncertainCampaignsAsync());

        var entry = Assert.Single(await _stock.UncertainAsync(_campaign));
        var retry = await _stock.ReserveAsync(_campaign, 301);
        Assert.Equal(ReservationStatus.RetryUncertain, retry.Status);
        // The retry changed the entry, so a settler holding the old value does nothing.
        Assert.False(await _stock.SettleUncertainAsync(_campaign, 301, entry.Value, release: true));

        var current = Assert.Single(await _stock.UncertainAsync(_campaign));
        Assert.True(await _stock.SettleUncertainAsync(_campaign, 301, current.Value, release: true));
        Assert.Equal(new CampaignCounts(true, 1, 0), await _stock.CountsAsync(_campaign));
    }

    [Fact]
    public async Task A_reservation_is_written_ahead_as_unsettled_until_kafka_acknowledges_it()
    {
        await LoadAsync(2);
        await MembersAsync(501, 502);
        var first = await _stock.ReserveAsync(_campaign, 501);
        var entry = Assert.Single(await _stock.UncertainAsync(_campaign));
        Assert.Equal((501L, first.Stamp), entry);
        Assert.Contains(_campaign, await _stock.UncertainCampaignsAsync());

        // A campaign is listed for the settler while it has entries, and no longer.

        // Acknowledged: the entry goes, and the member now holds a granted coupon.
        _stock.Confirm(_campaign, 501, first);
        Assert.Empty(await _stock.UncertainAsync(_campaign));
        Assert.Equal(ReservationStatus.AlreadyIssued, (await _stock.ReserveAsync(_campaign, 501)).Status);
        Assert.DoesNotContain(_campaign, await _stock.UncertainCampaignsAsync());
    }

    [Fact]
    public async Task A_reservation_whose_process_died_is_retried_without_new_stock_and_settles()
    {
        await LoadAsync(1);
        await MembersAsync(601, 602);
        var orphan = await _stock.ReserveAsync(_campaign, 601);
        // The API died before Kafka answered: no confirm, no release. The member retries.
        var retry = await _stock.ReserveAsync(_campaign, 601);
        Assert.Equal(ReservationStatus.RetryUncertain, retry.Status);
        Assert.Equal(ReservationStatus.SoldOut, (await _stock.ReserveAsync(_campaign, 602)).Status);
        Assert.Equal(new CampaignCounts(true, 1, 1), await _stock.CountsAsync(_campaign));

        // The dead attempt can no longer confirm or release what the retry now owns.
        _stock.Confirm(_campaign, 601, orphan);
        Assert.False(await _stock.ReleaseAsync(_campaign, 601, orphan));
        var entry = Assert.Single(await _stock.UncertainAsync(_campaign));
        Assert.Equal(retry.Stamp, entry.Value);
        // Stamped by Redis's clock (the one every instance shares), not the caller's.
        Assert.True(CouponStock.TryReadStampTime(entry.Value, out var writtenAt));
        var serverNow = (await redis.Redis.GetServers()[0].TimeAsync()).ToUniversalTime();
        Assert.InRange(writtenAt, new DateTimeOffset(serverNow).AddMinutes(-1).ToUnixTimeMilliseconds(), new DateTimeOffset(serverNow).ToUnixTimeMilliseconds());

        // Nobody retries again and no row landed: the settler gives the slot back.
        Assert.True(await _stock.SettleUncertainAsync(_campaign, 601, entry.Value, release: true));
        Assert.Equal(ReservationStatus.Reserved, (await _stock.ReserveAsync(_campaign, 602)).Status);
    }

    [Fact]
    public async Task A_campaign_whose_holder_set_vanished_is_not_loaded_and_a_rebuild_installs_once()
    {
        await LoadAsync(10, 401, 402);
        await MembersAsync(401, 402, 403);
        await Db.KeyDeleteAsync(CouponStock.HoldersKey(_campaign));
        Assert.Equal(ReservationStatus.CampaignNotLoaded, (await _stock.ReserveAsync(_campaign, 403)).Status);
        Assert.False((await _stock.CountsAsync(_campaign)).Loaded);

        Assert.True(await _stock.InstallAsync(_campaign, 10, Pages([401, 402]), [403], CancellationToken.None));
        Assert.False(await _stock.InstallAsync(_campaign, 10, Pages([]), [], CancellationToken.None));
        Assert.Equal(new CampaignCounts(true, 10, 3), await _stock.CountsAsync(_campaign));
        Assert.Equal(ReservationStatus.AlreadyIssued, (await _stock.ReserveAsync(_campaign, 401)).Status);
        Assert.Equal(ReservationStatus.RetryUncertain, (await _stock.ReserveAsync(_campaign, 403)).Status);
    }
}
