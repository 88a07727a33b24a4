using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using KafkaPractice.Tests.Coupons;
using KafkaPractice.Tests.Infrastructure;
using KafkaPractice.Tests.Members;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaPractice.Tests.Security;

/// <summary>POST /campaigns needs the admin key (the AppHost's parameter admin-api-key); reads stay public.</summary>
[Collection(AppHostCollection.Name)]
public sealed class AdminKeyTests(AppHostFixture fixture)
{
    private const string AdminKeyScheme = "adminKey";

    private static readonly object CampaignBody = new { name = "Admin only", stock = 5 };

    private async Task<long> CampaignRowsAsync() =>
        await MembersApiClient.ScalarAsync(await fixture.GetConnectionStringAsync("appdb"), "SELECT COUNT(*) FROM campaigns");

    private async Task<HttpResponseMessage> CreateCampaignWithAsync(string? authorization)
    {
        using var api = fixture.CreateApiClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/campaigns") { Content = JsonContent.Create(CampaignBody) };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        return await api.SendAsync(request);
    }

    [Fact]
    public async Task Creating_a_campaign_without_a_credential_is_401_with_a_bearer_challenge_and_creates_nothing()
    {
        var before = await CampaignRowsAsync();
        using var response = await CreateCampaignWithAsync(null);
        await MembersApiClient.AssertProblemAsync(response, 401, "admin-key-required");
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal(before, await CampaignRowsAsync());
    }

    [Theory]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Bearer two tokens")]
    [InlineData("Token {key}")]
    [InlineData("{key}")]
    [InlineData("Bearer  {key}")]
    public async Task A_malformed_credential_is_401_invalid_request(string authorization)
    {
        using var response = await CreateCampaignWithAsync(authorization.Replace("{key}", fixture.AdminApiKey, StringComparison.Ordinal));
        await MembersApiClient.AssertProblemAsync(response, 401, "admin-key-required");
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_request\"", challenge.Parameter, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bearer not-the-key")]
    [InlineData("Bearer {key}x")]
    [InlineData("Bearer {case-flipped}")]
    [InlineData("Bearer {prefix}")]
    public async Task A_wrong_key_is_403_and_creates_nothing(string authorization)
    {
        var key = fixture.AdminApiKey;
        var before = await CampaignRowsAsync();
        using var response = await CreateCampaignWithAsync(authorization
            .Replace("{key}", key, StringComparison.Ordinal)
            .Replace("{case-flipped}", new string(key.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)).ToArray()), StringComparison.Ordinal)
            .Replace("{prefix}", key[..^1], StringComparison.Ordinal));
        await MembersApiClient.AssertProblemAsync(response, 403, "admin-key-rejected");
        Assert.Equal(before, await CampaignRowsAsync());
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("bearer")]
    public async Task The_admin_key_creates_a_campaign_that_anyone_can_read(string scheme)
    {
        using var response = await CreateCampaignWithAsync($"{scheme} {fixture.AdminApiKey}");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("campaignId").GetString()!;

        using var anonymous = fixture.CreateApiClient();
        var campaign = await anonymous.GetCampaignAsync(id);
        Assert.Equal(5, campaign.GetProperty("remaining").GetInt32());
    }

    [Fact]
    public async Task The_OpenAPI_document_and_API_page_show_the_bearer_scheme_on_POST_campaigns_only()
    {
        using var api = fixture.CreateApiClient();
        var document = await api.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty(AdminKeyScheme);
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());

        var paths = document.GetProperty("paths");
        var createCampaign = paths.GetProperty("/campaigns").GetProperty("post");
        Assert.True(Assert.Single(createCampaign.GetProperty("security").EnumerateArray()).TryGetProperty(AdminKeyScheme, out _));
        Assert.True(createCampaign.GetProperty("responses").TryGetProperty("401", out _));
        Assert.True(createCampaign.GetProperty("responses").TryGetProperty("403", out _));
        foreach (var (path, method) in new[] { ("/members", "post"), ("/campaigns/{campaignId}", "get"), ("/campaigns/{campaignId}/coupons", "post"), ("/coupons/{memberId}", "post") })
        {
            Assert.False(paths.GetProperty(path).GetProperty(method).TryGetProperty("security", out _), $"{method} {path} should be public");
        }

        // The interactive page (Development) is configured with the scheme, and does not carry the key.
        var page = await api.GetStringAsync("/scalar/v1");
        Assert.Contains(AdminKeyScheme, page, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.AdminApiKey, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_admin_key_never_appears_in_the_api_log()
    {
        var lines = new ConcurrentQueue<string>();
        using var watching = new CancellationTokenSource();
        var instance = fixture.App.ResourceNotifications.TryGetCurrentState("producer-api", out var state) ? state.ResourceId : "producer-api";
        var watcher = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in fixture.App.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(instance).WithCancellation(watching.Token))
                {
                    foreach (var line in batch)
                    {
                        lines.Enqueue(line.Content);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        var key = fixture.AdminApiKey;
        var sentAt = DateTimeOffset.UtcNow.AddSeconds(-1);
        using (await CreateCampaignWithAsync($"Bearer {key}"))
        using (await CreateCampaignWithAsync($"Bearer {key}-mistyped"))
        using (await CreateCampaignWithAsync(key))
        {
        }
        // The watch first replays older lines (earlier tests' refusals among them): wait for the
        // refusals of these requests, told apart by the time stamp each forwarded line starts with.
        bool Refusal(string line, string credential) =>
            line.Contains($"refused: credential {credential}", StringComparison.Ordinal)
            && DateTimeOffset.TryParse(line.Split(' ', 2)[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            && at >= sentAt;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!(lines.Any(l => Refusal(l, "Wrong")) && lines.Any(l => Refusal(l, "Malformed"))) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        await watching.CancelAsync();
        await watcher;

        Assert.Contains(lines, l => Refusal(l, "Wrong"));
        Assert.Contains(lines, l => Refusal(l, "Malformed"));
        Assert.DoesNotContain(lines, l => l.Contains(key, StringComparison.Ordinal));
    }
}
