using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KafkaPractice.AppHost.Kafka;

/// <summary>
/// Follows the running emulator through its control API and shows what it finds in the dashboard:
/// each <c>kafka-N</c> child Running or Stopped, and in the details of <c>kafka</c> the cluster
/// summary, partitions (leader, replicas, ISR, end offset) and consumer groups (committed offset, lag).
/// </summary>
internal sealed partial class KafkaEmulatorMonitor(
    KafkaEmulatorMonitor.Registration registration,
    ResourceNotificationService notifications,
    ILogger<KafkaEmulatorMonitor> logger) : IHealthCheck
{
    internal sealed record Registration(
        KafkaEmulatorResource Cluster,
        IReadOnlyList<KafkaEmulatorBrokerResource> Brokers,
        Uri ControlUrl,
        TimeSpan Interval);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<string, ResourceStateSnapshot> _publishedStates = [];
    private readonly KafkaClusterViewPublisher _view = new(notifications, registration.Cluster);
    private volatile ClusterSnapshot? _latest;
    private volatile string? _parentState;

    /// <summary>
    /// Starts following the emulator until <paramref name="stoppingToken"/> fires. Started from the
    /// AppHost's BeforeStartEvent rather than as a hosted service: the AppHost's start completes only
    /// once resources are launched, and <c>kafka</c>'s health check needs this view before that.
    /// </summary>
    public void Start(CancellationToken stoppingToken) => _ = Task.Run(() => RunAsync(stoppingToken), CancellationToken.None);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        using var http = new HttpClient { BaseAddress = registration.ControlUrl, Timeout = TimeSpan.FromSeconds(3) };
        var watch = FollowParentStateAsync(stoppingToken);
        try
        {
            using var timer = new PeriodicTimer(registration.Interval);
            do
            {
                var parentState = _parentState;
                ClusterSnapshot? cluster = null;
                if (parentState == KnownResourceStates.Running)
                {
                    cluster = await DescribeAsync(http, stoppingToken);
                }
                _latest = cluster;
                await PublishBrokerStatesAsync(cluster, parentState);
                if (cluster is not null)
                {
                    try
                    {
                        await PublishViewAsync(cluster, http, stoppingToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogViewFailed(ex);
                    }
                }
                else
                {
                    // The emulator restarts with an empty cluster.
                    _view.Forget();
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
        finally
        {
            await watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Keeps the emulator process's own state (Starting, Running, Exited...) at hand.</summary>
    private async Task FollowParentStateAsync(CancellationToken ct)
    {
        await foreach (var e in notifications.WatchAsync(ct))
        {
            if (ReferenceEquals(e.Resource, registration.Cluster))
            {
                _parentState = e.Snapshot.State?.Text;
            }
        }
    }

    /// <summary>Healthy with the cluster summary as its description once the emulator describes itself.</summary>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_latest is { } cluster
            ? HealthCheckResult.Healthy(KafkaClusterView.Summary(cluster))
            : HealthCheckResult.Unhealthy("The emulator has not described the cluster yet."));

    /// <summary>
    /// The health of <c>kafka-N</c>: Healthy while the emulator reports broker N up (with what it leads),
    /// Unhealthy while it is stopped or the emulator does not answer. The dashboard asks only while the
    /// row is Running; a stopped broker's row shows its Stopped state instead.
    /// </summary>
    public HealthCheckResult CheckBroker(int brokerId)
    {
        var cluster = _latest;
        var broker = cluster?.Brokers.FirstOrDefault(b => b.Id == brokerId);
        if (cluster is null || broker is null)
        {
            return HealthCheckResult.Unhealthy("The emulator has not described the cluster yet.");
        }
        if (!broker.Up)
        {
            return HealthCheckResult.Unhealthy($"Broker {brokerId} is stopped: its partitions moved to live replicas.");
        }
        var partitions = cluster.Topics.SelectMany(t => t.Partitions).ToList();
        var leads = partitions.Count(p => p.Leader == brokerId);
        var inSync = partitions.Count(p => p.LiveReplicas.Contains(brokerId));
        return HealthCheckResult.Healthy($"Broker {brokerId} is up on {broker.Host}:{broker.Port}: leader of {leads} and in sync for {inSync} of {partitions.Count} partitions.");
    }

    private static async Task<ClusterSnapshot?> DescribeAsync(HttpClient http, CancellationToken ct)
    {
        try
        {
            return await http.GetFromJsonAsync<ClusterSnapshot>("/cluster", Json, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task PublishBrokerStatesAsync(ClusterSnapshot? cluster, string? parentState)
    {
        foreach (var broker in registration.Brokers)
        {
            var up = cluster?.Brokers.FirstOrDefault(b => b.Id == broker.BrokerId)?.Up;
            var state = up switch
            {
                true => new ResourceStateSnapshot(KnownResourceStates.Running, KnownResourceStateStyles.Success),
                false => new ResourceStateSnapshot(KafkaEmulatorBrokerResource.StoppedState, KnownResourceStateStyles.Warn),
                // The emulator runs but has not described the cluster (yet): the broker is starting.
                null when parentState == KnownResourceStates.Running => new ResourceStateSnapshot(KnownResourceStates.Starting, KnownResourceStateStyles.Info),
                // The emulator itself is not running: the broker shares its state.
                null => new ResourceStateSnapshot(parentState ?? KnownResourceStates.NotStarted, KnownResourceStateStyles.Info),
            };
            // Style too: a row first shown Running in the emulator's own (Info) style turns Success once the broker answers.
            if (_publishedStates.TryGetValue(broker.Name, out var published) && published == state)
            {
                continue;
            }
            var wasUp = published?.Text == KnownResourceStates.Running && published.Style == KnownResourceStateStyles.Success;
            _publishedStates[broker.Name] = state;
            await notifications.PublishUpdateAsync(broker, s => s with
            {
                State = state,
                StartTimeStamp = up == true && !wasUp ? DateTime.UtcNow : s.StartTimeStamp,
                StopTimeStamp = up == true ? null : DateTime.UtcNow,
            });
        }
    }

    private async Task PublishViewAsync(ClusterSnapshot cluster, HttpClient http, CancellationToken ct)
    {
        await _view.PublishAsync(cluster);

        // The emulator reads offsets from the mock's own listeners (GET /offsets): faults injected at
        // the forwarders cannot leave these requests hanging.
        EmulatorOffsets? offsets;
        try
        {
            offsets = await http.GetFromJsonAsync<EmulatorOffsets>("/offsets", Json, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
        {
            return; // Shown as last seen until the next round.
        }
        _view.Record(new ClusterOffsets(
            (offsets?.EndOffsets ?? []).ToDictionary(e => new TopicPartition(e.Topic, e.Partition), e => e.EndOffset),
            (offsets?.Committed ?? []).GroupBy(c => c.Group).ToDictionary(
                g => g.Key,
                g => (IReadOnlyDictionary<TopicPartition, long>)g.ToDictionary(c => new TopicPartition(c.Topic, c.Partition), c => c.Offset))));
        await _view.PublishAsync(cluster);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh the Kafka cluster view; trying again next round")]
    private partial void LogViewFailed(Exception ex);
}
