using System.Collections.Concurrent;
using KafkaPractice.Tests.Infrastructure;

namespace KafkaPractice.Tests.Coupons;

[Collection(AppHostCollection.Name)]
public sealed class CouponFailureTests(AppHostFixture fixture)
{
    [Fact]
    public async Task With_two_brokers_stopped_requests_are_503_and_the_stock_is_given_back()
    {
        using var api = fixture.CreateApiClient();
        var members = await CouponsApiClient.SeedMembersAsync(fixture, 3);
        var campaignId = await fixture.CreateCampaignAsync(stock: 10);

        try
        {
            Assert.True((await fixture.ExecuteCommandAsync("kafka", "stop-broker-2")).Success);
            Assert.True((await fixture.ExecuteCommandAsync("kafka", "stop-broker-3")).Success);

            var answers = await Task.WhenAll(members.Select(async m =>
            {
                using var response = await api.RequestCouponAsync(campaignId, m);
                Assert.NotNull(response.Headers.RetryAfter);
                return await CouponsApiClient.AnswerAsync(response);
            }));
            Assert.All(answers, a => Assert.Equal((503, "service-unavailable"), a));
        }
        finally
        {
            await fixture.ExecuteCommandAsync("kafka", "start-broker-2");
            await fixture.ExecuteCommandAsync("kafka", "start-broker-3");
        }

        // A failed produce keeps its slot as unsettled (the record might have landed); the settler
        // finds no row in MySQL and gives it back (about 20 s later). Nothing stays taken.
        var deadline = DateTime.UtcNow + CouponsApiClient.RecoveryTimeout;
        int remaining;
        while ((remaining = (await api.GetCampaignAsync(campaignId)).GetProperty("remaining").GetInt32()) != 10 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }
        Assert.Equal(10, remaining);
        Assert.Empty(await CouponsApiClient.CouponMembersAsync(fixture, campaignId));

        // Once Kafka takes writes again, the same member gets the coupon.
        Assert.Equal((202, ""), await CouponsApiClient.RequestUntilAnsweredAsync(() => api.RequestCouponAsync(campaignId, members[0])));
        Assert.Equal([members[0]], await CouponsApiClient.WaitForCouponRowsAsync(fixture, campaignId, 1));
        Assert.Equal(9, (await api.GetCampaignAsync(campaignId)).GetProperty("remaining").GetInt32());
    }

    [Fact]
    public async Task Redis_emptied_in_the_middle_of_a_campaign_never_over_issues_and_recovers()
    {
        using var api = fixture.CreateApiClient();
        const int stock = 200;
        var members = await CouponsApiClient.SeedMembersAsync(fixture, 1_000);
        var campaignId = await fixture.CreateCampaignAsync(stock);

        var answered = 0;
        var unavailable = 0;
        var flushed = new TaskCompletionSource();
        var answers = new ConcurrentBag<(long MemberId, int Status, string Slug)>();
        using var gate = new SemaphoreSlim(64);
        var load = Task.WhenAll(members.Select(async memberId =>
        {
            // Half the members wait for the flush, so it lands in the middle of the campaign.
            if (memberId % 2 == 0)
            {
                await flushed.Task;
            }
            await gate.WaitAsync();
            try
            {
                var answer = await CouponsApiClient.RequestUntilAnsweredAsync(
                    () => api.RequestCouponAsync(campaignId, memberId),
                    () => Interlocked.Increment(ref unavailable));
                answers.Add((memberId, answer.Status, answer.Slug));
                Interlocked.Increment(ref answered);
            }
            finally
            {
                gate.Release();
            }
        }));

        var started = DateTime.UtcNow;
        while (Volatile.Read(ref answered) < 100 && DateTime.UtcNow - started < CouponsApiClient.RecoveryTimeout)
        {
            await Task.Delay(10);
        }
        await using (var redis = await CouponsApiClient.ConnectRedisAsync(fixture))
        {
            foreach (var endpoint in redis.GetEndPoints())
            {
                await redis.GetServer(endpoint).FlushAllDatabasesAsync();
            }
        }
        flushed.SetResult();
        await load;

        var winners = answers.Where(a => a.Status == 202).Select(a => a.MemberId).ToList();
        var summary = string.Join(", ", answers.GroupBy(a => (a.Status, a.Slug)).Select(g => $"{g.Key.Status} {g.Key.Slug}: {g.Count()}"));
        Assert.Equal(1_000, answers.Count);
        Assert.True(answers.All(a => a.Status == 202 || (a.Status, a.Slug) == (409, "sold-out")), summary);
        Assert.True(unavailable > 0, "The campaign should have answered 503 while it was rebuilt.");
        Assert.Equal(stock, winners.Count);
        Assert.Equal(winners.Count, winners.Distinct().Count());

        var rows = await CouponsApiClient.WaitForCouponRowsAsync(fixture, campaignId, stock);
        Assert.Equal(stock, rows.Count);
        Assert.Equal(winners.Order(), rows.Order());

        var campaign = await api.GetCampaignAsync(campaignId);
        Assert.Equal(stock, campaign.GetProperty("issued").GetInt32());
        Assert.Equal(0, campaign.GetProperty("remaining").GetInt32());
    }
}
