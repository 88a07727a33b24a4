extern alias api;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using api::KafkaPractice.Producer.Api.Members;
using KafkaPractice.Core.Cache.Idempotency;
using KafkaPractice.Tests.Coupons;
using KafkaPractice.Tests.Infrastructure;

namespace KafkaPractice.Tests.Members;

/// <summary>
/// Redis may forget an Idempotency-Key (restart, flush, the 24 h expiry, a failed store of the
/// answer, or a 503 that released the claim): a 202 must still never stand for another body's record.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class ForgottenIdempotencyKeyTests(AppHostFixture fixture)
{
    [Fact]
    public async Task A_key_reused_for_another_body_after_Redis_forgot_it_is_refused_or_registers_that_body()
    {
        using var api = fixture.CreateApiClient();
        var key = $"forgotten-{Guid.NewGuid():N}";
        var first = await MembersApiClient.AcceptedIdAsync(
            await api.RegisterAsync(MembersApiClient.Body(MembersApiClient.UniqueEmail("first"), "Ada First"), key));
        Assert.Equal("Completed", (await api.WaitForOutcomeAsync(first)).GetProperty("status").GetString());

        // Exactly what a Redis restart or flush does to this key, without disturbing the other tests' data.
        await using (var redis = await CouponsApiClient.ConnectRedisAsync(fixture))
        {
            Assert.True(await redis.GetDatabase().KeyDeleteAsync(IdempotencyStore.StoreKey(MemberRegistrationService.IdempotencyScope, key)));
        }

        var secondEmail = MembersApiClient.UniqueEmail("second");
        using var retry = await api.RegisterAsync(MembersApiClient.Body(secondEmail, "Bob Second"), key);
        if (retry.StatusCode == HttpStatusCode.UnprocessableEntity)
        {
            await MembersApiClient.AssertProblemAsync(retry, 422, "idempotency-key-reused");
            return;
        }
        var second = await MembersApiClient.AcceptedIdAsync(retry);
        var outcome = await api.WaitForOutcomeAsync(second);
        Assert.Equal("Completed", outcome.GetProperty("status").GetString());
        var member = await api.GetFromJsonAsync<JsonElement>($"/members/{outcome.GetProperty("memberId").GetInt64()}");
        Assert.Equal(secondEmail, member.GetProperty("email").GetString());
        Assert.Equal("Bob Second", member.GetProperty("name").GetString());
    }
}
