using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Kafka;
using KafkaPractice.Messaging.Coupons;
using KafkaPractice.Tests.Infrastructure;

namespace KafkaPractice.Tests.Coupons;

/// <summary>
/// The whole system with the emulator's delay-visibility fault: a coupon record whose produce
/// timed out becomes visible long after the settler's age threshold (as with real Kafka when the
/// followers lag). The slot must not be given to anyone else meanwhile.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class LateVisibilityFaultTests(AppHostFixture fixture)
{
    private const int DelaySeconds = 40;

    [Fact]
    public async Task A_timed_out_coupon_record_that_appears_after_the_settle_age_never_lets_the_stock_be_exceeded()
    {
        using var api = fixture.CreateApiClient();
        using var control = new HttpClient { BaseAddress = fixture.KafkaControlUrl };
        var members = await CouponsApiClient.SeedMembersAsync(fixture, 2);
        var campaignId = await fixture.CreateCampaignAsync(stock: 1);

        // Hold the first member's record on the broker that leads its partition (found with a
        // marker of the same key, which the consumers skip).
        var leader = await LeaderForKeyAsync(control, CouponRequested.ToRecordKey(campaignId, members[0]));
        (await control.PostAsync($"/brokers/{leader}/delay-visibility?seconds={DelaySeconds}", null)).EnsureSuccessStatusCode();
        try
        {
            using var first = await api.RequestCouponAsync(campaignId, members[0]);
            Assert.Equal((503, "service-unavailable"), await CouponsApiClient.AnswerAsync(first));
        }
        finally
        {
            (await control.PostAsync($"/brokers/{leader}/cancel-delay-visibility", null)).EnsureSuccessStatusCode();
        }

        // The record appears after DelaySeconds, long past SettleAfterSeconds (15): by then a
        // clock-based settler has given the slot back. Once it is in MySQL, ask for the second member.
        Assert.Equal([members[0]], await CouponsApiClient.WaitForCouponRowsAsync(fixture, campaignId, 1));
        var second = await CouponsApiClient.RequestUntilAnsweredAsync(() => api.RequestCouponAsync(campaignId, members[1]));

        Assert.Equal((409, "sold-out"), second);
        Assert.Equal([members[0]], await CouponsApiClient.CouponMembersAsync(fixture, campaignId));
    }

    private async Task<int> LeaderForKeyAsync(HttpClient control, string key)
    {
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka, Acks = Acks.All }).Build();
        var probe = await producer.ProduceAsync(KafkaTopology.CreateCoupon, ContractMessage.Create(key, new LogMarker("test-find-partition")));
        var cluster = await control.GetFromJsonAsync<JsonElement>("/cluster");
        return cluster.GetProperty("topics").EnumerateArray()
            .Single(t => t.GetProperty("name").GetString() == KafkaTopology.CreateCoupon)
            .GetProperty("partitions").EnumerateArray()
            .Single(p => p.GetProperty("partition").GetInt32() == probe.Partition.Value)
            .GetProperty("leader").GetInt32();
    }
}
