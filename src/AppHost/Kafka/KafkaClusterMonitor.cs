using Confluent.Kafka;
using KafkaPractice.Messaging;

namespace KafkaPractice.AppHost.Kafka;

/// <summary>
/// Containers mode's dashboard view: once <c>kafka</c> runs (the brokers formed a cluster and the
/// topics exist), reads the real cluster through <see cref="KafkaClusterReader"/> every
/// <c>Containers:KafkaViewIntervalMs</c> and shows in the details of <c>kafka</c> what Local mode
/// shows (<see cref="KafkaClusterView"/>): partitions with leader, replicas, ISR and end offset, and
/// every consumer group's committed offset and lag.
/// </summary>
internal sealed partial class KafkaClusterMonitor(
    KafkaClusterResource cluster,
    KafkaTopology topology,
    KafkaClusterReader reader,
    ResourceNotificationService notifications,
    ILogger<KafkaClusterMonitor> logger,
    TimeSpan interval)
{
    private readonly KafkaClusterViewPublisher _view = new(notifications, cluster);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            using var timer = new PeriodicTimer(interval);
            do
            {
                if (notifications.TryGetCurrentState(cluster.Name, out var current) && current.Snapshot.State?.Text == KnownResourceStates.Running)
                {
                    await RefreshAsync(stoppingToken);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
    }

    /// <summary>One round: metadata first (leaders and ISR are what a person stopping a broker looks for), then offsets.</summary>
    internal async Task RefreshAsync(CancellationToken ct)
    {
        try
        {
            var snapshot = await reader.DescribeAsync(topology, ct);
            await _view.PublishAsync(snapshot);
            _view.Record(await reader.OffsetsAsync(KafkaClusterView.Partitions(snapshot), knownGroups: [], ct));
            await _view.PublishAsync(snapshot);
        }
        catch (KafkaException ex)
        {
            LogViewFailed(ex); // no broker answered: the health check says so; the view shows the last round
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not read the Kafka cluster for the dashboard view; trying again next round")]
    private partial void LogViewFailed(Exception ex);
}
