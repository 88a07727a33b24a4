extern alias api;

using api::KafkaPractice.Producer.Api.Coupons;
using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Core.Data.Coupons;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
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
    // Settle at once (the age is measured by Redis's clock): the lateness here is Kafka's, not the clock's.
    private readonly CouponOptions _options = new() { RebuildGraceMs = 0, SettleAfterSeconds = 0 };
    private readonly string _campaign = "late-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Settling_keeps_the_slot_of_a_timed_out_record_that_becomes_visible_late()
    {
        await LoadCampaignAsync(stock: 1);
        await ReserveAndTimeOutAsync();

        var settler = new UncertainReservationSettler(_stock, _log, _log, new InFlightCoupons(), _options, TimeProvider.System,
            NullLogger<UncertainReservationSettler>.Instance);
        await settler.SettleRoundAsync(CancellationToken.None);
        Assert.Empty(await _stock.UncertainAsync(_campaign));
        _log.ReleaseAll();

        await AssertOneCouponForTheFirstMemberAsync();
    }

    [Fact]
    public async Task A_rebuild_counts_a_timed_out_record_that_becomes_visible_late()
    {
        await LoadCampaignAsync(stock: 1);
        await ReserveAndTimeOutAsync();

        // Redis loses the campaign's keys; the instance that reserved is another one (this one knows nothing).
        await redis.Redis.GetDatabase().KeyDeleteAsync(
            [CouponStock.MetaKey(_campaign), CouponStock.HoldersKey(_campaign), CouponStock.UncertainKey(_campaign)]);
        var reconciler = new CampaignReconciler(_log, _stock, _log, new InFlightCoupons(), _options, new ProduceTimeout(TimeSpan.FromMilliseconds(KafkaClientRules.DefaultMessageTimeoutMs)),
            TimeProvider.System, new NeverStopping(), NullLogger<CampaignReconciler>.Instance);
        reconciler.Trigger(new Campaign { Id = _campaign, Name = "late", Stock = 1 });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await _stock.CountsAsync(_campaign)).Loaded && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.True((await _stock.CountsAsync(_campaign)).Loaded, "The rebuild did not finish.");
        _log.ReleaseAll();

        await AssertOneCouponForTheFirstMemberAsync();
    }

    private async Task LoadCampaignAsync(int stock)
    {
        Assert.True(await _stock.InstallAsync(_campaign, stock, AsyncEnumerable.Empty<IReadOnlyCollection<long>>(), [], CancellationToken.None));
        await _stock.AddKnownMemberAsync(First);
        await _stock.AddKnownMemberAsync(Second);
    }

    /// <summary>What <see cref="CouponIssuer"/> does when the produce times out: the slot stays, marked uncertain.</summary>
    private async Task ReserveAndTimeOutAsync()
    {
        Assert.Equal(ReservationStatus.Reserved, (await _stock.ReserveAsync(_campaign, First)).Status);
        _log.AppendHeld(_campaign, First);
        await _stock.MarkUncertainAsync(_campaign, First);
    }

    private async Task AssertOneCouponForTheFirstMemberAsync()
    {
        Assert.Contains((_campaign, First), _log.Rows);
        // Stock 1, and the first member's record is in MySQL: the second member must not get one too.
        Assert.Equal(ReservationStatus.SoldOut, (await _stock.ReserveAsync(_campaign, Second)).Status);
    }
}
