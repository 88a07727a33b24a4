using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.ApplicationModel;
using KafkaPractice.Tests.Infrastructure;
using KafkaPractice.Tests.Members;

namespace KafkaPractice.Tests.Coupons;

/// <summary>A system of its own, started for these tests: what "healthy" means for producer-api.</summary>
public sealed class FreshSystemFixture : IAsyncLifetime
{
    public AppHostFixture System { get; } = new();

    /// <summary>The answer to a coupon request sent the moment producer-api was reported healthy.</summary>
    public Task<(int Status, string Slug)> FirstCouponAnswer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        System.OnResourceHealthy = resource =>
        {
            if (resource == "producer-api")
            {
                FirstCouponAnswer = RequestDefaultCouponAsync();
            }
            return Task.CompletedTask;
        };
        await System.InitializeAsync();
    }

    private async Task<(int Status, string Slug)> RequestDefaultCouponAsync()
    {
        using var api = System.CreateApiClient();
        using var response = await api.PostAsync("/coupons/1", null);
        return await CouponsApiClient.AnswerAsync(response);
    }

    public Task DisposeAsync() => System.DisposeAsync();
}

public sealed class ReadinessTests(FreshSystemFixture fresh) : IClassFixture<FreshSystemFixture>
{
    [Fact]
    public async Task The_first_coupon_request_once_the_api_is_healthy_is_served_not_503()
    {
        // No member 1 on a fresh system: 404 member-not-found; what must not come is "stock is being rebuilt".
        var (status, slug) = await fresh.FirstCouponAnswer;
        Assert.True(status is 404 or 409 or 202, $"The first coupon request was answered {status} {slug}.");
    }

    [Fact]
    public async Task The_api_stays_ready_and_takes_registrations_while_redis_is_down()
    {
        var system = fresh.System;
        using var api = system.CreateApiClient();
        Assert.True((await system.ExecuteCommandAsync("redis", KnownResourceCommands.StopCommand)).Success);
        try
        {
            // Wait until /health has noticed the outage, then read what it says.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            HttpStatusCode code;
            string body;
            do
            {
                await Task.Delay(250);
                using var health = await api.GetAsync("/health");
                (code, body) = (health.StatusCode, await health.Content.ReadAsStringAsync());
            }
            while (body == "Healthy" && DateTime.UtcNow < deadline);
            Assert.Equal((HttpStatusCode.OK, "Degraded"), (code, body));

            using var registration = await api.RegisterAsync(MembersApiClient.Body(MembersApiClient.UniqueEmail("no-redis")));
            Assert.Equal(HttpStatusCode.Accepted, registration.StatusCode);
            Assert.Equal("Pending", (await registration.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("status").GetString());
        }
        finally
        {
            await system.ExecuteCommandAsync("redis", KnownResourceCommands.StartCommand);
        }
    }
}
