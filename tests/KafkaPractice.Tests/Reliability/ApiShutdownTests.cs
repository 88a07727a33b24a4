using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using KafkaPractice.Tests.Coupons;
using KafkaPractice.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace KafkaPractice.Tests.Reliability;

/// <summary>
/// A graceful stop of <c>producer-api</c> while requests are in flight and more keep arriving:
/// every answer is a 202 or a 503 problem with Retry-After (or none at all once the process is
/// gone), never a 500, and no coupon slot is left taken without a coupon behind it.
/// </summary>
[Collection(AppHostCollection.Name)]
[Trait("Category", "Faults")]
public sealed class ApiShutdownTests(AppHostFixture fixture, ITestOutputHelper output) : FaultScenarioBase(fixture, output)
{
    private const int Burst = 40;

    [Fact]
    public async Task Graceful_stop_with_produces_in_flight_answers_only_202_or_503()
    {
        var members = await CouponsApiClient.SeedMembersAsync(Fixture, Burst * 20);
        var campaignId = await Fixture.CreateCampaignAsync(Burst * 20, "API shutdown");
        var endpoint = Fixture.App.GetEndpoint("producer-api", "http");
        using var client = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            BaseAddress = endpoint,
            Timeout = TimeSpan.FromSeconds(60),
        };
        var answers = new ConcurrentBag<Answer>();
        var logs = new ConcurrentQueue<string>();
        using var watching = new CancellationTokenSource();
        var watch = WatchLogsAsync(logs, watching.Token);

        // Every broker holds the next produce request for 3 s and queues the ones behind it: the
        // burst is in flight when the stop begins, and ends in 202s and 503s (the held request
        // itself times out) while the API drains.
        for (var broker = 1; broker <= 3; broker++)
        {
            await ControlAsync($"brokers/{broker}/delay-visibility?seconds=3");
        }
        var tag = "stop-" + Guid.NewGuid().ToString("N")[..10];
        var next = 0;
        Task Send(int n) => SendAsync(client, answers, campaignId, members[Interlocked.Increment(ref next) - 1], $"{tag}-{n}");
        var inFlight = Enumerable.Range(0, Burst).Select(Send).ToList();
        // The burst reaches the API and waits on Kafka (the delivery timeout is seconds long).
        await Task.Delay(TimeSpan.FromSeconds(1));

        // Requests keep coming through the stop, the time the API is down and its start-up.
        using var restarted = new CancellationTokenSource();
        var trickle = Task.Run(async () =>
        {
            var sent = new List<Task>();
            var n = Burst;
            while (!restarted.IsCancellationRequested && n < members.Count)
            {
                sent.Add(Send(n++));
                await Task.Delay(50);
            }
            await Task.WhenAll(sent);
        });
        await StopAsync("producer-api");
        await Task.WhenAll(inFlight);
        await CommandAsync("producer-api", KnownResourceCommands.StartCommand);
        var healthy = true;
        using (var starting = new CancellationTokenSource(RecoveryBound))
        {
            try
            {
                await Fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("producer-api", starting.Token);
            }
            catch (OperationCanceledException)
            {
                healthy = false;
            }
        }
        await Task.Delay(TimeSpan.FromSeconds(2));
        await restarted.CancelAsync();
        await trickle;
        await watching.CancelAsync();
        await watch;

        foreach (var group in answers.GroupBy(a => (a.Path, a.Status, a.Slug, a.Error)).OrderBy(g => g.Key.Path).ThenBy(g => g.Key.Status))
        {
            Output.WriteLine($"{group.Key.Path}: {group.Key.Status} {group.Key.Slug}{group.Key.Error} x{group.Count()}");
        }
        foreach (var line in logs.Where(l => l.Contains("Exception", StringComparison.Ordinal) || l.Contains("fail", StringComparison.OrdinalIgnoreCase)).Take(80))
        {
            Output.WriteLine(line);
        }
        Assert.True(healthy, $"The API was not healthy {RecoveryBound.TotalSeconds} s after its start.");
        // The held requests ended in 503s (timed out), the ones behind them and after the start in 202s.
        Assert.Contains(answers, a => a.Status == 503);
        Assert.Contains(answers, a => a.Status == 202);
        var wrong = answers.Where(a => a.Status is not (0 or 202) && !(a.Status == 503 && a.Slug == "service-unavailable" && a.RetryAfter)).ToList();
        Assert.True(wrong.Count == 0, "Answers other than 202 and 503 around the restart: "
            + string.Join(", ", wrong.GroupBy(a => (a.Status, a.Slug, a.Path)).Select(g => $"{g.Key.Status} {g.Key.Slug} {g.Key.Path} x{g.Count()}")));

        // Nothing leaked: once the uncertain reservations are settled, Redis counts what MySQL holds.
        using var api = Fixture.CreateApiClient();
        var deadline = DateTime.UtcNow + RecoveryBound;
        int rows, issued;
        do
        {
            await Task.Delay(500);
            rows = (await CouponsApiClient.CouponMembersAsync(Fixture, campaignId)).Count;
            issued = (await api.GetCampaignAsync(campaignId)).GetProperty("issued").GetInt32();
        }
        while (rows != issued && DateTime.UtcNow < deadline);
        Assert.Equal(rows, issued);
    }

    private static async Task SendAsync(HttpClient client, ConcurrentBag<Answer> answers, string campaignId, long memberId, string email)
    {
        await Task.WhenAll(
            Post($"/campaigns/{campaignId}/coupons", new { memberId }, key: null),
            Post("/members", new { name = "Shutdown Load", email = $"{email}@example.com", phoneNumber = "+82 10-1234-5678" }, key: email));

        async Task Post(string path, object body, string? key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
            if (key is not null)
            {
                request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
            }
            try
            {
                using var response = await client.SendAsync(request);
                var slug = "";
                if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
                {
                    var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                    var type = problem.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
                    slug = type[(type.LastIndexOf('/') + 1)..];
                }
                answers.Add(new Answer(path.StartsWith("/members", StringComparison.Ordinal) ? "members" : "coupons", (int)response.StatusCode, slug, response.Headers.RetryAfter is not null, null));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                answers.Add(new Answer(path.StartsWith("/members", StringComparison.Ordinal) ? "members" : "coupons", 0, "", false, ex.GetType().Name));
            }
        }
    }

    private async Task WatchLogsAsync(ConcurrentQueue<string> lines, CancellationToken cancellationToken)
    {
        var logs = Fixture.App.Services.GetRequiredService<ResourceLoggerService>();
        try
        {
            await foreach (var batch in logs.WatchAsync("producer-api").WithCancellation(cancellationToken))
            {
                foreach (var line in batch)
                {
                    lines.Enqueue(line.Content);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private sealed record Answer(string Path, int Status, string Slug, bool RetryAfter, string? Error);
}
