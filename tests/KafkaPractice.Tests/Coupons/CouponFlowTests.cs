using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using KafkaPractice.Tests.Infrastructure;
using KafkaPractice.Tests.Members;

namespace KafkaPractice.Tests.Coupons;

[Collection(AppHostCollection.Name)]
public sealed class CouponFlowTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Five_thousand_members_race_for_one_hundred_coupons_and_exactly_one_hundred_win()
    {
        using var api = fixture.CreateApiClient();
        var members = await CouponsApiClient.RegisterMembersAsync(api, 10);
        members.AddRange(await CouponsApiClient.SeedMembersAsync(fixture, 4_990));
        var campaignId = await fixture.CreateCampaignAsync(stock: 100);

        var answers = new ConcurrentBag<(long MemberId, int Status, string Slug)>();
        var retried = 0;
        using var gate = new SemaphoreSlim(128);
        await Task.WhenAll(members.OrderBy(_ => Random.Shared.Next()).Select(async memberId =>
        {
            await gate.WaitAsync();
            try
            {
                // As a client should: a 503 (Redis or Kafka too slow to answer on a loaded machine, the
                // reservation given back) is asked again after a second; any other answer is final.
                for (var attempt = 1; ; attempt++)
                {
                    using var response = await api.RequestCouponAsync(campaignId, memberId);
                    var (status, slug) = await CouponsApiClient.AnswerAsync(response);
                    if (status == 503 && attempt < 5)
                    {
                        Interlocked.Increment(ref retried);
                        await Task.Delay(TimeSpan.FromSeconds(1));
                        continue;
                    }
                    answers.Add((memberId, status, slug));
                    break;
                }
            }
            finally
            {
                gate.Release();
            }
        }));

        var breakdown = string.Join(", ", answers.GroupBy(a => $"{a.Status} {a.Slug}").OrderBy(g => g.Key).Select(g => $"{g.Key} x {g.Count()}"));
        var winners = answers.Where(a => a.Status == 202).Select(a => a.MemberId).ToHashSet();
        Assert.True(winners.Count == 100, $"{winners.Count} winners; answers: {breakdown}; 503s asked again: {retried}");
        Assert.True(answers.Count(a => a.Status == 409 && a.Slug == "sold-out") == 4_900, $"answers: {breakdown}; 503s asked again: {retried}");
        Assert.Equal(5_000, answers.Count);

        var rows = await CouponsApiClient.WaitForCouponRowsAsync(fixture, campaignId, 100);
        Assert.Equal(100, rows.Count);
        Assert.Equal(winners.Order(), rows.Order());

        var campaign = await api.GetCampaignAsync(campaignId);
        Assert.Equal(100, campaign.GetProperty("issued").GetInt32());
        Assert.Equal(0, campaign.GetProperty("remaining").GetInt32());

        var winner = winners.First();
        using var again = await api.RequestCouponAsync(campaignId, winner);
        Assert.Equal((409, "already-issued"), await CouponsApiClient.AnswerAsync(again));
        var status = await api.GetFromJsonAsync<JsonElement>($"/campaigns/{campaignId}/coupons/{winner}");
        Assert.Equal("Issued", status.GetProperty("status").GetString());
        Assert.True(status.GetProperty("couponId").GetInt64() > 0);
        Assert.True(status.GetProperty("issuedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Equal(100, (await CouponsApiClient.CouponMembersAsync(fixture, campaignId)).Count);
    }

    [Fact]
    public async Task Refusals_come_in_the_contract_order_and_take_no_stock()
    {
        using var api = fixture.CreateApiClient();
        var members = await CouponsApiClient.SeedMembersAsync(fixture, 2);
        var campaignId = await fixture.CreateCampaignAsync(stock: 1);
        const long unknownMember = long.MaxValue - 7;

        using (var response = await api.RequestCouponAsync("no-such-campaign-" + Guid.NewGuid().ToString("N"), unknownMember))
        {
            Assert.Equal((404, "campaign-not-found"), await CouponsApiClient.AnswerAsync(response));
        }
        using (var response = await api.RequestCouponAsync(campaignId, unknownMember))
        {
            Assert.Equal((404, "member-not-found"), await CouponsApiClient.AnswerAsync(response));
        }
        Assert.Equal(1, (await api.GetCampaignAsync(campaignId)).GetProperty("remaining").GetInt32());

        using (var response = await api.RequestCouponAsync(campaignId, members[0]))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Equal($"/campaigns/{campaignId}/coupons/{members[0]}", response.Headers.Location?.OriginalString);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(campaignId, body.GetProperty("campaignId").GetString());
            Assert.Equal(members[0], body.GetProperty("memberId").GetInt64());
            Assert.Equal("Pending", body.GetProperty("status").GetString());
        }
        // Already issued is answered before sold out.
        using (var response = await api.RequestCouponAsync(campaignId, members[0]))
        {
            Assert.Equal((409, "already-issued"), await CouponsApiClient.AnswerAsync(response));
        }
        using (var response = await api.RequestCouponAsync(campaignId, members[1]))
        {
            Assert.Equal((409, "sold-out"), await CouponsApiClient.AnswerAsync(response));
        }

        Assert.Equal([members[0]], await CouponsApiClient.WaitForCouponRowsAsync(fixture, campaignId, 1));
        using (var response = await api.GetAsync($"/campaigns/{campaignId}/coupons/{members[1]}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        using (var response = await api.GetAsync("/campaigns/no-such-campaign"))
        {
            Assert.Equal((404, "campaign-not-found"), await CouponsApiClient.AnswerAsync(response));
        }
    }

    [Theory]
    [InlineData("""{"stock":10}""", "name")]
    [InlineData("""{"name":"  ","stock":10}""", "name")]
    [InlineData("""{"name":42,"stock":10}""", "name")]
    [InlineData("""{"name":"Sale"}""", "stock")]
    [InlineData("""{"name":"Sale","stock":0}""", "stock")]
    [InlineData("""{"name":"Sale","stock":1000001}""", "stock")]
    [InlineData("""{"name":"Sale","stock":1.5}""", "stock")]
    [InlineData("""{"name":"Sale","stock":"10"}""", "stock")]
    public async Task Invalid_campaigns_are_400_with_field_errors(string json, string field)
    {
        using var api = fixture.CreateAdminApiClient();
        using var response = await api.PostAsync("/campaigns", new StringContent(json, Encoding.UTF8, "application/json"));
        var problem = await MembersApiClient.AssertProblemAsync(response, 400, "validation-failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Theory]
    [InlineData("""{}""", 400)]
    [InlineData("""{"memberId":"12"}""", 400)]
    [InlineData("""{"memberId":0}""", 400)]
    [InlineData("""{"memberId":-3}""", 400)]
    [InlineData("""{"memberId":1.5}""", 400)]
    [InlineData("""{"memberId":99999999999999999999}""", 400)]
    [InlineData("""[1]""", 400)]
    [InlineData("""{"memberId":""", 400)]
    public async Task Invalid_coupon_requests_are_400_problems(string json, int status)
    {
        using var api = fixture.CreateApiClient();
        using var response = await api.PostAsync("/campaigns/default/coupons", new StringContent(json, Encoding.UTF8, "application/json"));
        await MembersApiClient.AssertProblemAsync(response, status);
    }

    [Fact]
    public async Task Seed_endpoint_issues_from_the_default_campaign_with_the_same_answers()
    {
        using var api = fixture.CreateApiClient();
        var memberId = (await CouponsApiClient.RegisterMembersAsync(api, 1))[0];
        var before = await api.GetCampaignAsync("default");
        Assert.Equal(100, before.GetProperty("stock").GetInt32());

        var first = await CouponsApiClient.RequestUntilAnsweredAsync(() => api.PostAsync($"/coupons/{memberId}", null));
        Assert.Equal((202, ""), first);
        using (var again = await api.PostAsync($"/coupons/{memberId}", null))
        {
            Assert.Equal((409, "already-issued"), await CouponsApiClient.AnswerAsync(again));
        }
        using (var unknown = await api.PostAsync($"/coupons/{long.MaxValue - 11}", null))
        {
            Assert.Equal((404, "member-not-found"), await CouponsApiClient.AnswerAsync(unknown));
        }
        using (var invalid = await api.PostAsync("/coupons/not-a-number", null))
        {
            await MembersApiClient.AssertProblemAsync(invalid, 400);
        }

        Assert.Contains(memberId, await CouponsApiClient.WaitForCouponRowsAsync(fixture, "default", before.GetProperty("issued").GetInt32() + 1));
        var status = await api.GetFromJsonAsync<JsonElement>($"/campaigns/default/coupons/{memberId}");
        Assert.Equal("default", status.GetProperty("campaignId").GetString());
        Assert.Contains(status.GetProperty("status").GetString(), new[] { "Pending", "Issued" });
        var after = await api.GetCampaignAsync("default");
        Assert.Equal(before.GetProperty("remaining").GetInt32() - 1, after.GetProperty("remaining").GetInt32());
    }
}
