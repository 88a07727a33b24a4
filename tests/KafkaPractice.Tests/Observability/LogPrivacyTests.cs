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
    private static readonly string[] Services = ["producer-api", "consumer-worker"];

    [Fact]
    public async Task A_registration_leaves_no_email_or_phone_number_in_the_api_or_worker_logs()
    {
        var lines = new ConcurrentQueue<(string Resource, string Line)>();
        using var watching = new CancellationTokenSource();
        var watchers = Services.Select(r => WatchAsync(r, lines, watching.Token)).ToArray();

        var email = MembersApiClient.UniqueEmail("private");
        const string phone = "+44 20 7946 0958";
        using var api = fixture.CreateApiClient();
        var id = await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(MembersApiClient.Body(email, phone: phone)));
        Assert.Equal("Completed", (await api.WaitForOutcomeAsync(id)).GetProperty("status").GetString());
        await MembersApiClient.WaitForCachedEmailAsync(fixture, email);
        // The same email again, refused by each service in turn: the API answers 409 while it knows
        // the email; once its hint is gone (as after a Redis loss) the worker rejects the duplicate.
        using (var refused = await api.RegisterAsync(MembersApiClient.Body(email.ToUpperInvariant(), phone: phone)))
        {
            await MembersApiClient.AssertProblemAsync(refused, 409, "email-taken");
        }
        await MembersApiClient.ForgetCachedEmailAsync(fixture, email);
        var duplicate = await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(MembersApiClient.Body(email.ToUpperInvariant(), phone: phone)));
        Assert.Equal("Rejected", (await api.WaitForOutcomeAsync(duplicate)).GetProperty("status").GetString());

        // Both services wrote about the duplicate (each service's log is read in order, so their
        // earlier lines are in too): the checks below read both services' logs, not one.
        await WaitForLinesAsync(lines, duplicate);
        await watching.CancelAsync();
        await Task.WhenAll(watchers);
        Assert.Contains(lines, l => l.Resource == "producer-api" && l.Line.Contains(id.ToString("D"), StringComparison.OrdinalIgnoreCase));
        var localPart = email[..email.IndexOf('@', StringComparison.Ordinal)];
        var digits = new string(phone.Where(char.IsAsciiDigit).ToArray());
        Assert.DoesNotContain(lines, l => l.Line.Contains(localPart, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.Line.Contains(phone, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => new string(l.Line.Where(char.IsAsciiDigit).ToArray()).Contains(digits, StringComparison.Ordinal));
    }

    private static async Task WaitForLinesAsync(ConcurrentQueue<(string Resource, string Line)> lines, Guid registrationId)
    {
        var idText = registrationId.ToString("D");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!Services.All(service => lines.Any(l => l.Resource == service && l.Line.Contains(idText, StringComparison.OrdinalIgnoreCase))))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Not every service logged registration {idText}: the logs cannot be checked.");
            await Task.Delay(200);
        }
    }

    private async Task WatchAsync(string resource, ConcurrentQueue<(string Resource, string Line)> lines, CancellationToken ct)
    {
        var instance = fixture.App.ResourceNotifications.TryGetCurrentState(resource, out var e) ? e.ResourceId : resource;
        try
        {
            await foreach (var batch in fixture.App.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(instance).WithCancellation(ct))
            {
                foreach (var line in batch)
                {
                    lines.Enqueue((resource, line.Content));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
