using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using KafkaPractice.Tests.Infrastructure;

namespace KafkaPractice.Tests.AppHost;

/// <summary>
/// Local mode's brokers as dashboard resources: <c>kafka-1..3</c> follow the emulator, their own
/// stop/start commands work, and the details of <c>kafka</c> show leaders and ISR moving.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class BrokerResourceTests(AppHostFixture fixture)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_broker_is_a_running_and_healthy_child_of_kafka()
    {
        using var cts = new CancellationTokenSource(Wait);
        foreach (var name in new[] { "kafka-1", "kafka-2", "kafka-3" })
        {
            var e = await fixture.App.ResourceNotifications.WaitForResourceAsync(name, e => e.Snapshot.State?.Text == KnownResourceStates.Running, cts.Token);
            Assert.Equal("kafka", e.Resource is IResourceWithParent child ? child.Parent.Name : null);

            // The dashboard draws a green check only for a Running row in the Success style that is Healthy.
            var healthy = await fixture.App.ResourceNotifications.WaitForResourceAsync(name, e =>
                e.Snapshot.HealthStatus == HealthStatus.Healthy && e.Snapshot.State?.Style == KnownResourceStateStyles.Success, cts.Token);
            var report = Assert.Single(healthy.Snapshot.HealthReports, r => r.Name == $"{name}-up");
            Assert.StartsWith($"Broker {name[^1]} is up on 127.0.0.1:", report.Description, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Stopping_kafka_2_from_its_own_row_shows_it_stopped_and_moves_its_leaders_then_start_brings_it_back()
    {
        using var cts = new CancellationTokenSource(Wait);
        var notifications = fixture.App.ResourceNotifications;
        await notifications.WaitForResourceAsync("kafka-2", KnownResourceStates.Running, cts.Token);
        try
        {
            var stopped = await fixture.ExecuteCommandAsync("kafka-2", KnownResourceCommands.StopCommand, cts.Token);
            Assert.True(stopped.Success, stopped.Message);
            var stoppedRow = await notifications.WaitForResourceAsync("kafka-2", e => e.Snapshot.State?.Text == "Stopped", cts.Token);
            Assert.Null(stoppedRow.Snapshot.HealthStatus); // a stopped row shows its state, not a health

            // The details of kafka follow: no partition led by broker 2, none lists it in sync.
            var degraded = await notifications.WaitForResourceAsync("kafka", e =>
                Summary(e.Snapshot).StartsWith("Healthy (degraded)", StringComparison.Ordinal)
                && Partitions(e.Snapshot).All(p => !p.Contains("leader 2 ", StringComparison.Ordinal) && !Isr(p).Contains(2)), cts.Token);
            Assert.Contains("stopped: 2", Summary(degraded.Snapshot), StringComparison.Ordinal);
            Assert.True(Partitions(degraded.Snapshot).Count() >= 6);
            Assert.Equal(KnownResourceStates.Running, State("kafka-1"));
            Assert.Equal(KnownResourceStates.Running, State("kafka-3"));
        }
        finally
        {
            var started = await fixture.ExecuteCommandAsync("kafka-2", KnownResourceCommands.StartCommand, CancellationToken.None);
            Assert.True(started.Success, started.Message);
        }
        await notifications.WaitForResourceAsync("kafka-2", e => e.Snapshot.State?.Text == KnownResourceStates.Running
            && e.Snapshot.HealthStatus == HealthStatus.Healthy && e.Snapshot.HealthReports.Any(r => r.Name == "kafka-2-up" && r.Description?.StartsWith("Broker 2 is up", StringComparison.Ordinal) == true), cts.Token);
        await notifications.WaitForResourceAsync("kafka", e =>
            Summary(e.Snapshot).StartsWith("Healthy: 3/3", StringComparison.Ordinal)
            && Partitions(e.Snapshot).All(p => Isr(p).Contains(2)), cts.Token);
    }

    [Fact]
    public async Task The_kafka_stop_broker_command_shows_on_the_child_too()
    {
        using var cts = new CancellationTokenSource(Wait);
        var notifications = fixture.App.ResourceNotifications;
        try
        {
            var stopped = await fixture.ExecuteCommandAsync("kafka", "stop-broker-3", cts.Token);
            Assert.True(stopped.Success, stopped.Message);
            await notifications.WaitForResourceAsync("kafka-3", "Stopped", cts.Token);
        }
        finally
        {
            var started = await fixture.ExecuteCommandAsync("kafka", "start-broker-3", CancellationToken.None);
            Assert.True(started.Success, started.Message);
        }
        await notifications.WaitForResourceAsync("kafka-3", KnownResourceStates.Running, cts.Token);
    }

    [Fact]
    public async Task Kafka_details_show_the_committed_offset_and_lag_of_the_worker_groups()
    {
        using var cts = new CancellationTokenSource(Wait);
        using var api = fixture.CreateApiClient();
        var body = new { name = "Lag Viewer", email = $"lag-{Guid.NewGuid():N}@example.com", phoneNumber = "010-1234-5678" };
        using var response = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(api, "/members", body, cts.Token);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);

        // Once the worker has committed past the record, some group shows create_member with a committed offset and lag 0.
        var e = await fixture.App.ResourceNotifications.WaitForResourceAsync("kafka", e => e.Snapshot.Properties.Any(p =>
            p.Name.StartsWith("kafka.lag.", StringComparison.Ordinal) && p.Name.Contains(".create_member.", StringComparison.Ordinal)
            && p.Value is string v && v.EndsWith("| lag 0", StringComparison.Ordinal) && !v.StartsWith("committed 0 ", StringComparison.Ordinal)), cts.Token);
        Assert.NotNull(e);
    }

    private string? State(string resource) =>
        fixture.App.ResourceNotifications.TryGetCurrentState(resource, out var e) ? e.Snapshot.State?.Text : null;

    private static string Summary(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.FirstOrDefault(p => p.Name == "kafka.cluster")?.Value as string ?? "";

    private static IEnumerable<string> Partitions(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.Where(p => p.Name.StartsWith("kafka.partition.", StringComparison.Ordinal)).Select(p => p.Value as string ?? "");

    /// <summary>The broker ids after "ISR " in a partition line such as "leader 1 | replicas 1,2,3 | ISR 1,3 | end offset 4".</summary>
    private static int[] Isr(string partitionLine)
    {
        var field = partitionLine.Split(" | ").Single(f => f.StartsWith("ISR ", StringComparison.Ordinal));
        return [.. field["ISR ".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];
    }
}
