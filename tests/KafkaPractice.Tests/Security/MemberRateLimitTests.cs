using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using KafkaPractice.Messaging;
using KafkaPractice.Tests.Coupons;
using KafkaPractice.Tests.Infrastructure;

namespace KafkaPractice.Tests.Security;

/// <summary>
/// Coupon requests are rate-limited per member (default 10/s, bucket of 15): a member who hammers
/// gets 429 problems with Retry-After, other members keep getting 202, and a refused request takes
/// no stock and produces no record.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class MemberRateLimitTests(AppHostFixture fixture)
{
    /// <summary>The defaults of Coupons:RateLimit (PermitsPerSecond 10, Burst 5).</summary>
    private const int PermitsPerSecond = 10;
    private const int BucketSize = 15;

    private const int HammerRequests = 200;

    private sealed record Answer(int Status, string Slug, TimeSpan? RetryAfter);

    private static async Task<Answer> AnswerOfAsync(Task<HttpResponseMessage> sending)
    {
        using var response = await sending;
        var (status, slug) = await CouponsApiClient.AnswerAsync(response);
        return new Answer(status, slug, response.Headers.RetryAfter?.Delta);
    }

    /// <summary>At most the bucket plus what refills while the requests were being answered, whole seconds rounded up.</summary>
    private static int MostAdmitted(TimeSpan elapsed) => BucketSize + (PermitsPerSecond * ((int)Math.Ceiling(elapsed.TotalSeconds) + 1));

    [Fact]
    public async Task A_member_hammering_a_campaign_gets_429_with_Retry_After_while_other_members_get_202()
    {
        using var api = fixture.CreateApiClient();
        var campaignId = await fixture.CreateCampaignAsync(stock: 100, name: "Rate limit");
        var members = await CouponsApiClient.SeedMembersAsync(fixture, 6);
        var (hammer, others) = (members[0], members[1..]);
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        var recordsBefore = KafkaEndOffsets.Sum(kafka, KafkaTopology.CreateCoupon);

        var clock = Stopwatch.StartNew();
        var hammering = Enumerable.Range(0, HammerRequests).Select(_ => AnswerOfAsync(api.RequestCouponAsync(campaignId, hammer))).ToList();
        // Bodies the endpoint refuses are answered 400 even while their member is over the limit: the limiter never sees them.
        var badBodies = Enumerable.Range(0, 20).Select(i => AnswerOfAsync(api.PostAsync($"/campaigns/{campaignId}/coupons",
            new StringContent($"{{\"memberId\":{hammer},\"extra{i}\":1}}", Encoding.UTF8, "application/json")))).ToList();
        var fair = others.Select(m => CouponsApiClient.RequestUntilAnsweredAsync(() => api.RequestCouponAsync(campaignId, m))).ToList();
        var hammered = await Task.WhenAll(hammering);
        clock.Stop();

        Assert.All(await Task.WhenAll(fair), answer => Assert.Equal((202, ""), answer));
        Assert.All(await Task.WhenAll(badBodies), answer => Assert.Equal((400, "validation-failed"), (answer.Status, answer.Slug)));

        var refused = hammered.Where(a => a.Status == 429).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, a =>
        {
            Assert.Equal("too-many-requests", a.Slug);
            Assert.NotNull(a.RetryAfter);
            Assert.True(a.RetryAfter >= TimeSpan.FromSeconds(1), $"Retry-After {a.RetryAfter}");
        });
        var admitted = hammered.Where(a => a.Status != 429).ToList();
        Assert.True(admitted.Count <= MostAdmitted(clock.Elapsed),
            $"{admitted.Count} of {HammerRequests} requests admitted in {clock.Elapsed.TotalSeconds:F1} s");
        // While the member's first request is still waiting for Kafka, a second one produces again and
        // is answered 202 too (one coupon in the end: the consumer writes it once); once settled, 409.
        Assert.All(admitted, a => Assert.True(a.Status == 202 || (a.Status, a.Slug) == (409, "already-issued"), $"{a.Status} {a.Slug}"));
        Assert.Contains(admitted, a => a.Status == 202);

        // Stock taken once per member, one coupon per member, and a record for each 202 and none for a 429.
        var campaign = await api.GetCampaignAsync(campaignId);
        Assert.Equal(members.Count, campaign.GetProperty("issued").GetInt32());
        var rows = await CouponsApiClient.WaitForCouponRowsAsync(fixture, campaignId, members.Count);
        Assert.Equal(members.Order(), rows.Order());
        Assert.Equal(recordsBefore + others.Count + admitted.Count(a => a.Status == 202), KafkaEndOffsets.Sum(kafka, KafkaTopology.CreateCoupon));
    }

    [Fact]
    public async Task The_original_coupon_endpoint_is_limited_by_the_member_in_its_path()
    {
        using var api = fixture.CreateApiClient();
        var member = (await CouponsApiClient.SeedMembersAsync(fixture, 1))[0];

        var clock = Stopwatch.StartNew();
        var hammered = await Task.WhenAll(Enumerable.Range(0, HammerRequests).Select(_ => AnswerOfAsync(api.PostAsync($"/coupons/{member}", null))));
        clock.Stop();
        // A path that names no valid member is not limited: it gets its 400 whatever its neighbours did.
        using (var invalid = await api.PostAsync("/coupons/not-a-number", null))
        {
            Assert.Equal((400, "validation-failed"), await CouponsApiClient.AnswerAsync(invalid));
        }

        var refused = hammered.Where(a => a.Status == 429).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, a => Assert.Equal("too-many-requests", a.Slug));
        Assert.All(refused, a => Assert.NotNull(a.RetryAfter));
        var admitted = hammered.Where(a => a.Status != 429).ToList();
        Assert.True(admitted.Count <= MostAdmitted(clock.Elapsed),
            $"{admitted.Count} of {HammerRequests} requests admitted in {clock.Elapsed.TotalSeconds:F1} s");
        // The default campaign may be sold out, or being rebuilt after an earlier test emptied Redis (503):
        // what matters here is that every answer beyond the bucket is a 429.
        Assert.All(admitted, a => Assert.True(a.Status is 202 or 409 or 503, $"{a.Status} {a.Slug}"));

        // The bucket refills: after Retry-After the member is admitted again.
        var deadline = DateTime.UtcNow + CouponsApiClient.RecoveryTimeout;
        Answer again;
        do
        {
            await Task.Delay(refused[0].RetryAfter!.Value);
            again = await AnswerOfAsync(api.PostAsync($"/coupons/{member}", null));
        }
        while (again.Status == 429 && DateTime.UtcNow < deadline);
        Assert.NotEqual(429, again.Status);
    }
}
