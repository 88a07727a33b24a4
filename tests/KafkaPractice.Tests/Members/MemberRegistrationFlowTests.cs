using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using KafkaPractice.Messaging;
using KafkaPractice.Tests.Infrastructure;

namespace KafkaPractice.Tests.Members;

[Collection(AppHostCollection.Name)]
public sealed class MemberRegistrationFlowTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Registration_is_accepted_completed_and_readable()
    {
        using var api = fixture.CreateApiClient();
        var email = MembersApiClient.UniqueEmail();

        var id = await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(MembersApiClient.Body(email, name: "  Grace Hopper ")));
        var outcome = await api.WaitForOutcomeAsync(id);

        Assert.Equal("Completed", outcome.GetProperty("status").GetString());
        var memberId = outcome.GetProperty("memberId").GetInt64();
        Assert.True(memberId > 0);
        Assert.False(outcome.TryGetProperty("reason", out _), "a completed registration has no reason field");

        var member = await api.GetFromJsonAsync<JsonElement>($"/members/{memberId}");
        Assert.Equal(memberId, member.GetProperty("memberId").GetInt64());
        Assert.Equal("Grace Hopper", member.GetProperty("name").GetString());
        Assert.Equal(email, member.GetProperty("email").GetString());
        Assert.Equal("+82 10-1234-5678", member.GetProperty("phoneNumber").GetString());
        Assert.True(member.GetProperty("registeredAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task Email_the_api_already_knows_in_another_case_is_refused_with_409_and_written_nowhere()
    {
        using var api = fixture.CreateApiClient();
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        var email = MembersApiClient.UniqueEmail("Case");

        var first = await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(MembersApiClient.Body(email)));
        // Once the consumer has recorded the member, the API itself knows the email is taken.
        Assert.Equal("Completed", (await api.WaitForOutcomeAsync(first)).GetProperty("status").GetString());
        await MembersApiClient.WaitForCachedEmailAsync(fixture, email);
        var records = CreateMemberRecords(kafka);

        using var second = await api.RegisterAsync(MembersApiClient.Body(email.ToUpperInvariant()));
        await MembersApiClient.AssertProblemAsync(second, 409, "email-taken");

        Assert.Equal(records, CreateMemberRecords(kafka));
        Assert.Equal(1, await MemberRowsAsync(email));
    }

    [Fact]
    public async Task Email_the_api_does_not_know_yet_is_accepted_then_rejected_by_the_consumer()
    {
        using var api = fixture.CreateApiClient();
        var email = MembersApiClient.UniqueEmail("Late");

        var first = await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(MembersApiClient.Body(email)));
        Assert.Equal("Completed", (await api.WaitForOutcomeAsync(first)).GetProperty("status").GetString());
        await MembersApiClient.WaitForCachedEmailAsync(fixture, email);
        // The API's knowledge is a Redis hint that can be late (the consumer has not written it yet,
        // or Redis lost it): take it away, so only the consumer can see the duplicate.
        await MembersApiClient.ForgetCachedEmailAsync(fixture, email);

        var second = await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(MembersApiClient.Body(email.ToUpperInvariant())));
        var outcome = await api.WaitForOutcomeAsync(second);

        Assert.Equal("Rejected", outcome.GetProperty("status").GetString());
        Assert.Equal("email-taken", outcome.GetProperty("reason").GetString());
        Assert.False(outcome.TryGetProperty("memberId", out _), "a rejected registration has no member");
        Assert.Equal(1, await MemberRowsAsync(email));
    }

    [Fact]
    public async Task Same_idempotency_key_gives_the_same_registration_and_one_record()
    {
        using var api = fixture.CreateApiClient();
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        var key = "test-" + Guid.NewGuid();
        var body = MembersApiClient.Body(MembersApiClient.UniqueEmail("idem"));
        var records = CreateMemberRecords(kafka);

        var first = await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(body, key));
        var second = await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(body, key));
        Assert.Equal(first, second);

        using var reused = await api.RegisterAsync(MembersApiClient.Body(MembersApiClient.UniqueEmail("other")), key);
        await MembersApiClient.AssertProblemAsync(reused, 422, "idempotency-key-reused");

        Assert.Equal("Completed", (await api.WaitForOutcomeAsync(first)).GetProperty("status").GetString());
        var third = await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(body, key));
        Assert.Equal(first, third);

        // One record in Kafka, whatever the id is derived from: the repeats were answered, not produced again.
        Assert.Equal(records + 1, CreateMemberRecords(kafka));
        var appdb = await fixture.GetConnectionStringAsync("appdb");
        Assert.Equal(1, await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM members WHERE registration_id = @r", ("@r", first.ToString("D"))));
        Assert.Equal(1, await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM member_registrations WHERE registration_id = @r", ("@r", first.ToString("D"))));
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_make_one_registration_and_one_record()
    {
        using var api = fixture.CreateApiClient();
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        var key = "race-" + Guid.NewGuid();
        var body = MembersApiClient.Body(MembersApiClient.UniqueEmail("race"));
        var records = CreateMemberRecords(kafka);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => api.RegisterAsync(body, key)));
        var accepted = new HashSet<Guid>();
        foreach (var response in responses)
        {
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                accepted.Add(await MembersApiClient.AcceptedIdAsync(response));
            }
            else
            {
                await MembersApiClient.AssertProblemAsync(response, 409, "idempotency-key-in-flight");
            }
            response.Dispose();
        }
        Assert.Single(accepted);
        Assert.Equal(records + 1, CreateMemberRecords(kafka));
    }

    [Fact]
    public async Task Unknown_registrations_and_members_are_404_problems()
    {
        using var api = fixture.CreateApiClient();
        await MembersApiClient.AssertProblemAsync(await api.GetAsync($"/members/registrations/{Guid.NewGuid()}"), 404, "registration-not-found");
        await MembersApiClient.AssertProblemAsync(await api.GetAsync("/members/registrations/not-a-guid"), 404);
        await MembersApiClient.AssertProblemAsync(await api.GetAsync($"/members/{long.MaxValue}"), 404, "member-not-found");
        await MembersApiClient.AssertProblemAsync(await api.GetAsync("/members/0"), 404, "member-not-found");
        await MembersApiClient.AssertProblemAsync(await api.GetAsync("/members/abc"), 404);
        await MembersApiClient.AssertProblemAsync(await api.GetAsync("/no-such-route"), 404, "not-found");
        await MembersApiClient.AssertProblemAsync(await api.DeleteAsync("/members"), 405, "method-not-allowed");
        await MembersApiClient.AssertProblemAsync(await api.PutAsync("/members/1", new StringContent("{}")), 405, "method-not-allowed");
    }

    [Fact]
    public async Task OpenApi_document_describes_the_member_endpoints()
    {
        using var api = fixture.CreateApiClient();
        var document = await api.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/members", out _));
        Assert.True(paths.TryGetProperty("/members/registrations/{registrationId}", out _));
        Assert.True(paths.TryGetProperty("/members/{memberId}", out _));
    }

    private static long CreateMemberRecords(string kafka) => KafkaEndOffsets.Sum(kafka, KafkaTopology.CreateMember);

    private async Task<long> MemberRowsAsync(string email) =>
        await MembersApiClient.ScalarAsync(await fixture.GetConnectionStringAsync("appdb"),
            "SELECT COUNT(*) FROM members WHERE email_key = @k", ("@k", email.ToLowerInvariant()));
}
