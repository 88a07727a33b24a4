using KafkaPractice.Tests.Infrastructure;
using KafkaPractice.Tests.Members;

namespace KafkaPractice.Tests.Observability;

/// <summary>
/// Invariant 5: no email or phone number in the logs (the services log at Information and above);
/// and which requests' lines are written at all.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class LogPrivacyTests(AppHostFixture fixture)
{
    private static readonly string[] Services = ["producer-api", "consumer-worker"];

    [Fact]
    public async Task A_registration_leaves_no_email_or_phone_number_in_the_api_or_worker_logs()
    {
        await using var logs = new ResourceLogLines(fixture.App, Services);

        var email = MembersApiClient.UniqueEmail("private");
        const string phone = "+44 20 7946 0958";
        using var api = fixture.CreateApiClient();
        // Sent as recorded traces, so that their Information lines are written whatever the tests
        // before this one sent (log lines follow the traces' sampling).
        var id = await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(MembersApiClient.Body(email, phone: phone), sampled: true));
        Assert.Equal("Completed", (await api.WaitForOutcomeAsync(id)).GetProperty("status").GetString());
        await MembersApiClient.WaitForCachedEmailAsync(fixture, email);
        // The same email again, refused by each service in turn: the API answers 409 while it knows
        // the email; once its hint is gone (as after a Redis loss) the worker rejects the duplicate.
        using (var refused = await api.RegisterAsync(MembersApiClient.Body(email.ToUpperInvariant(), phone: phone), sampled: true))
        {
            await MembersApiClient.AssertProblemAsync(refused, 409, "email-taken");
        }
        await MembersApiClient.ForgetCachedEmailAsync(fixture, email);
        var duplicate = await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(MembersApiClient.Body(email.ToUpperInvariant(), phone: phone), sampled: true));
        Assert.Equal("Rejected", (await api.WaitForOutcomeAsync(duplicate)).GetProperty("status").GetString());

        // Both services wrote about the duplicate (each service's log is read in order, so their
        // earlier lines are in too): the checks below read both services' logs, not one.
        await logs.WaitForAllAsync(duplicate.ToString("D"), TimeSpan.FromSeconds(30));
        var lines = logs.Lines;
        Assert.Contains(lines, l => l.Resource == "producer-api" && l.Line.Contains(id.ToString("D"), StringComparison.OrdinalIgnoreCase));
        var localPart = email[..email.IndexOf('@', StringComparison.Ordinal)];
        var digits = new string(phone.Where(char.IsAsciiDigit).ToArray());
        Assert.DoesNotContain(lines, l => l.Line.Contains(localPart, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.Line.Contains(phone, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => new string(l.Line.Where(char.IsAsciiDigit).ToArray()).Contains(digits, StringComparison.Ordinal));
    }

    /// <summary>
    /// Log lines follow the traces: the API's "accepted" line (Information) is written for a
    /// request whose trace is recorded and not for one whose trace was left out, which is what keeps
    /// a service under load from exporting thousands of lines a second (docs/observability.md).
    /// </summary>
    [Fact]
    public async Task The_api_writes_the_accepted_line_only_for_a_request_whose_trace_is_recorded()
    {
        await using var logs = new ResourceLogLines(fixture.App, "producer-api");
        using var api = fixture.CreateApiClient();

        var leftOut = await MembersApiClient.AcceptedIdAsync(
            await api.RegisterAsync(MembersApiClient.Body(MembersApiClient.UniqueEmail("unsampled")), sampled: false));
        var recorded = await MembersApiClient.AcceptedIdAsync(
            await api.RegisterAsync(MembersApiClient.Body(MembersApiClient.UniqueEmail("sampled")), sampled: true));

        // The API's lines are read in the order written, so once the second request's line is in,
        // the first one's would be too.
        await logs.WaitForAllAsync($"Registration {recorded:D} accepted", TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(logs.Lines, l => l.Line.Contains(leftOut.ToString("D"), StringComparison.OrdinalIgnoreCase));
        Assert.Equal("Completed", (await api.WaitForOutcomeAsync(leftOut)).GetProperty("status").GetString());
    }
}
