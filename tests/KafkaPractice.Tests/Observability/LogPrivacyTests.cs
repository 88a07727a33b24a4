using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using KafkaPractice.Tests.Infrastructure;
using KafkaPractice.Tests.Members;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaPractice.Tests.Observability;

/// <summary>Invariant 5: no email or phone number in the logs (the services log at Information and above).</summary>
[Collection(AppHostCollection.Name)]
public sealed class LogPrivacyTests(AppHostFixture fixture)
{
    [Fact]
    public async Task A_registration_leaves_no_email_or_phone_number_in_the_api_or_worker_logs()
    {
        var lines = new ConcurrentQueue<string>();
        using var watching = new CancellationTokenSource();
        var watchers = new[] { "producer-api", "consumer-worker" }.Select(r => WatchAsync(r, lines, watching.Token)).ToArray();

        var email = MembersApiClient.UniqueEmail("private");
        const string phone = "+44 20 7946 0958";
        using var api = fixture.CreateApiClient();
        var id = await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(MembersApiClient.Body(email, phone: phone)));
        Assert.Equal("Completed", (await api.WaitForOutcomeAsync(id)).GetProperty("status").GetString());
        // The same email again: the refusal paths log too.
        using (await api.RegisterAsync(MembersApiClient.Body(email.ToUpperInvariant(), phone: phone)))
        {
        }

        // Both services wrote about this registration; give their log lines time to arrive.
        var idText = id.ToString("D");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!lines.Any(l => l.Contains(idText, StringComparison.OrdinalIgnoreCase)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        await Task.Delay(TimeSpan.FromSeconds(2));
        await watching.CancelAsync();
        await Task.WhenAll(watchers);

        Assert.Contains(lines, l => l.Contains(idText, StringComparison.OrdinalIgnoreCase));
        var localPart = email[..email.IndexOf('@', StringComparison.Ordinal)];
        var digits = new string(phone.Where(char.IsAsciiDigit).ToArray());
        Assert.DoesNotContain(lines, l => l.Contains(localPart, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.Contains(phone, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => new string(l.Where(char.IsAsciiDigit).ToArray()).Contains(digits, StringComparison.Ordinal));
    }

    private async Task WatchAsync(string resource, ConcurrentQueue<string> lines, CancellationToken ct)
    {
        var instance = fixture.App.ResourceNotifications.TryGetCurrentState(resource, out var e) ? e.ResourceId : resource;
        try
        {
            await foreach (var batch in fixture.App.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(instance).WithCancellation(ct))
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
    }
}
