using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using KafkaPractice.Tests.Infrastructure;
using KafkaPractice.Tests.Members;

namespace KafkaPractice.Tests.Observability;

/// <summary>Lag of group <c>member-registrations</c>: high watermarks minus its committed offsets, as an operator measures it.</summary>
[Collection(AppHostCollection.Name)]
public sealed class ConsumerLagTests(AppHostFixture fixture)
{
    private const string Topic = "create_member";
    private const string Group = "member-registrations";

    [Fact]
    public async Task Lag_rises_while_the_worker_is_stopped_and_returns_to_zero_after_it_starts()
    {
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        using var api = fixture.CreateApiClient();
        Assert.Equal(0, await WaitForLagAsync(kafka, lag => lag == 0, TimeSpan.FromSeconds(60)));

        var stopped = await fixture.ExecuteCommandAsync("consumer-worker", KnownResourceCommands.StopCommand);
        Assert.True(stopped.Success, stopped.Message);
        const int registrations = 20;
        for (var i = 0; i < registrations; i++)
        {
            await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(MembersApiClient.Body(MembersApiClient.UniqueEmail("lag"))));
        }
        var lagWhileStopped = await WaitForLagAsync(kafka, lag => lag >= registrations, TimeSpan.FromSeconds(10));
        Assert.True(lagWhileStopped >= registrations, $"lag {lagWhileStopped} while stopped, expected at least {registrations}");

        var started = await fixture.ExecuteCommandAsync("consumer-worker", KnownResourceCommands.StartCommand);
        Assert.True(started.Success, started.Message);
        Assert.Equal(0, await WaitForLagAsync(kafka, lag => lag == 0, TimeSpan.FromSeconds(90)));

        using var healthy = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("consumer-worker", healthy.Token);
    }

    private static async Task<long> WaitForLagAsync(string kafka, Func<long, bool> until, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        long lag;
        do
        {
            lag = MeasureLag(kafka);
            if (until(lag))
            {
                return lag;
            }
            await Task.Delay(500);
        }
        while (DateTime.UtcNow < deadline);
        return lag;
    }

    private static long MeasureLag(string kafka) => KafkaEndOffsets.Lag(kafka, Topic, Group);
}
