extern alias api;

using api::KafkaPractice.Producer.Api.Coupons;
using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace KafkaPractice.Tests.Coupons;

/// <summary>
/// Settling must never take a slot from an attempt still waiting for Kafka: not when the
/// settling instance's clock runs ahead of the reserving one's, and not when the attempt is the
/// settling process's own. Real Redis; the issuer's producer held by the test.
/// </summary>
public sealed class TwoClocksTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const long First = 2001;
    private const long Second = 2002;
    private readonly CouponStock _stock = new(redis.Redis);
    private readonly ModelCouponLog _log = new();
    private readonly string _campaign = "clocks-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task An_instance_whose_clock_runs_20_s_ahead_does_not_settle_another_instances_live_attempt()
    {
        var now = DateTimeOffset.UtcNow;
        var options = new CouponOptions();
        await LoadCampaignAsync();

        // Instance A reserves with its clock 20 s behind B's; its produce is still waiting for Kafka.
        var held = new HeldProducer(_log, hold: true);
        var issuerA = Issuer(held, new InFlightCoupons(), new FakeTimeProvider(now.AddSeconds(-20)), options);
        var request = issuerA.RequestAsync(_campaign, First, CancellationToken.None);
        await held.Started.WaitAsync(TimeSpan.FromSeconds(10));

        // Instance B settles (SettleAfterSeconds 15): by its own clock A's entry would be 20 s old.
        var settlerB = new UncertainReservationSettler(_stock, _log, _log, new InFlightCoupons(), options,
            new FakeTimeProvider(now), NullLogger<UncertainReservationSettler>.Instance);
        await settlerB.SettleRoundAsync(CancellationToken.None);

        await AssertTheLiveAttemptKeepsTheOnlyCouponAsync(held, request, options);
    }

    [Fact]
    public async Task The_settler_leaves_an_attempt_of_its_own_process_alone_while_it_waits_for_Kafka()
    {
        // Due at once, so only the attempt being live can keep it from being settled.
        var options = new CouponOptions { SettleAfterSeconds = 0 };
        await LoadCampaignAsync();

        var inFlight = new InFlightCoupons();
        var held = new HeldProducer(_log, hold: true);
        var request = Issuer(held, inFlight, TimeProvider.System, options).RequestAsync(_campaign, First, CancellationToken.None);
        await held.Started.WaitAsync(TimeSpan.FromSeconds(10));

        var settler = new UncertainReservationSettler(_stock, _log, _log, inFlight, options,
            TimeProvider.System, NullLogger<UncertainReservationSettler>.Instance);
        await settler.SettleRoundAsync(CancellationToken.None);

        await AssertTheLiveAttemptKeepsTheOnlyCouponAsync(held, request, options);
    }

    private async Task AssertTheLiveAttemptKeepsTheOnlyCouponAsync(HeldProducer held, Task<CouponOutcome> request, CouponOptions options)
    {
        held.Release();
        Assert.IsType<CouponOutcome.Accepted>(await request.WaitAsync(TimeSpan.FromSeconds(10)));

        // Stock 1, granted to the first member: the second must hear sold-out, not get a second coupon.
        var other = Issuer(new HeldProducer(_log, hold: false), new InFlightCoupons(), TimeProvider.System, options);
        Assert.IsType<CouponOutcome.SoldOut>(await other.RequestAsync(_campaign, Second, CancellationToken.None));
        Assert.Equal([(_campaign, First)], _log.Rows);
    }

    private async Task LoadCampaignAsync()
    {
        Assert.True(await _stock.InstallAsync(_campaign, 1, AsyncEnumerable.Empty<IReadOnlyCollection<long>>(), [], CancellationToken.None));
        await _stock.AddKnownMemberAsync(First);
        await _stock.AddKnownMemberAsync(Second);
    }

    private CouponIssuer Issuer(HeldProducer producer, InFlightCoupons inFlight, TimeProvider time, CouponOptions options)
    {
        // The campaign is loaded and the members known: the issuer never needs MySQL or a rebuild here.
        var store = new CampaignStore(new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>());
        var reconciler = new CampaignReconciler(_log, _stock, _log, inFlight, options, new ProduceTimeout(TimeSpan.FromMilliseconds(KafkaClientRules.DefaultMessageTimeoutMs)), time,
            new NeverStopping(), NullLogger<CampaignReconciler>.Instance);
        return new CouponIssuer(producer, _stock, store, reconciler, inFlight, time, NullLogger<CouponIssuer>.Instance);
    }
}
