extern alias api;

using api::KafkaPractice.Producer.Api.Coupons;
using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Core.Data.Coupons;
using KafkaPractice.ServiceDefaults.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace KafkaPractice.Tests.Coupons;

/// <summary>
/// A coupon record whose produce timed out can become visible long after the timeout (the
/// leader has it; the followers catch up, or the ISR shrinks, up to replica.lag.time.max.ms
/// later). Settling and rebuilding must not take "not in MySQL yet" for "never landed": they
/// wait on the log's order (a marker record behind it), not on a clock. Real Redis, a model of
/// the Kafka log (<see cref="ModelCouponLog"/>).
/// </summary>
public sealed class LateVisibleRecordTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const long First = 1001;
    private const long Second = 1002;
    private readonly CouponStock _stock = new(redis.Redis);
    private readonly ModelCouponLog _log = new();
    private readonly CouponOptions _options = new() { RebuildGraceMs = 0 };
    private readonly string _campaign = "late-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Settling_keeps_the_slot_of_a_timed_out_record_that_becomes_visible_late()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await LoadCampaignAsync(stock: 1);
        await ReserveAndTimeOutAsync(time);

        time.Advance(TimeSpan.FromSeconds(_options.SettleAfterSeconds + 1));
        var settler = new UncertainReservationSettler(_stock, _log, _log, new InFlightCoupons(), _options, time,
            NullLogger<UncertainReservationSettler>.Instance);
        await settler.SettleRoundAsync(CancellationToken.None);
        _log.ReleaseAll();

        await AssertOneCouponForTheFirstMemberAsync(time);
    }

    [Fact]
    public async Task A_rebuild_counts_a_timed_out_record_that_becomes_visible_late()
    {
        var time = TimeProvider.System;
        await LoadCampaignAsync(stock: 1);
        await ReserveAndTimeOutAsync(time);

        // Redis loses the campaign's keys; the instance that reserved is another one (this one knows nothing).
        await redis.Redis.GetDatabase().KeyDeleteAsync(
            [CouponStock.MetaKey(_campaign), CouponStock.HoldersKey(_campaign), CouponStock.UncertainKey(_campaign)]);
        var reconciler = new CampaignReconciler(_log, _stock, _log, new InFlightCoupons(), _options, new KafkaProducerSettings(),
            time, new StoppedNeverLifetime(), NullLogger<CampaignReconciler>.Instance);
        reconciler.Trigger(new Campaign { Id = _campaign, Name = "late", Stock = 1 });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await _stock.CountsAsync(_campaign)).Loaded && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.True((await _stock.CountsAsync(_campaign)).Loaded, "The rebuild did not finish.");
        _log.ReleaseAll();

        await AssertOneCouponForTheFirstMemberAsync(time);
    }

    private async Task LoadCampaignAsync(int stock)
    {
        Assert.True(await _stock.InstallAsync(_campaign, stock, AsyncEnumerable.Empty<IReadOnlyCollection<long>>(), [], CancellationToken.None));
        await _stock.AddKnownMemberAsync(First);
        await _stock.AddKnownMemberAsync(Second);
    }

    /// <summary>What <see cref="CouponIssuer"/> does when the produce times out: the slot stays, marked uncertain.</summary>
    private async Task ReserveAndTimeOutAsync(TimeProvider time)
    {
        Assert.Equal(ReservationStatus.Reserved, (await _stock.ReserveAsync(_campaign, First, time.GetUtcNow())).Status);
        _log.AppendHeld(_campaign, First);
        await _stock.MarkUncertainAsync(_campaign, First, time.GetUtcNow());
    }

    private async Task AssertOneCouponForTheFirstMemberAsync(TimeProvider time)
    {
        Assert.Contains((_campaign, First), _log.Rows);
        // Stock 1, and the first member's record is in MySQL: the second member must not get one too.
        Assert.Equal(ReservationStatus.SoldOut, (await _stock.ReserveAsync(_campaign, Second, time.GetUtcNow())).Status);
    }

    private sealed class StoppedNeverLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication()
        {
        }
    }
}
