using System.Collections.Immutable;
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
    private readonly Dictionary<string, string> _publishedStates = [];
    private ImmutableArray<ResourcePropertySnapshot> _publishedView = [];
    private readonly Dictionary<TopicPartition, long> _endOffsets = [];
    private readonly Dictionary<string, Dictionary<TopicPartition, long>> _committed = [];
    private volatile EmulatorCluster? _latest;
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
                EmulatorCluster? cluster = null;
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
                    _endOffsets.Clear();
                    _committed.Clear();
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

    private static async Task<EmulatorCluster?> DescribeAsync(HttpClient http, CancellationToken ct)
    {
        try
        {
            return await http.GetFromJsonAsync<EmulatorCluster>("/cluster", Json, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task PublishBrokerStatesAsync(EmulatorCluster? cluster, string? parentState)
    {
        foreach (var broker in registration.Brokers)
        {
            var up = cluster?.Brokers.FirstOrDefault(b => b.Id == broker.BrokerId)?.Up;
            var state = up switch
            {
                true => new ResourceStateSnapshot(KnownResourceStates.Running, KnownResourceStateStyles.Success),
                false => new ResourceStateSnapshot(KafkaEmulatorBrokerResource.StoppedState, KnownResourceStateStyles.Warn),
                // The emulator itself is not (yet) running: the broker shares its state.
                null => new ResourceStateSnapshot(parentState ?? KnownResourceStates.NotStarted, KnownResourceStateStyles.Info),
            };
            if (_publishedStates.TryGetValue(broker.Name, out var published) && published == state.Text)
            {
                continue;
            }
            _publishedStates[broker.Name] = state.Text;
            await notifications.PublishUpdateAsync(broker, s => s with
            {
                State = state,
                StartTimeStamp = up == true ? DateTime.UtcNow : s.StartTimeStamp,
                StopTimeStamp = up == true ? null : DateTime.UtcNow,
            });
        }
    }

    private async Task PublishViewAsync(EmulatorCluster cluster, HttpClient http, CancellationToken ct)
    {
        // Leaders and ISR first, with the offsets last seen: the move is what a person stopping a
        // broker looks for, and the offsets take a round trip to each partition's leader.
        await PublishAsync(KafkaClusterView.Properties(cluster, _endOffsets, _committed));

        // The emulator reads offsets from the mock's own listeners (GET /offsets): no Kafka client
        // runs in the AppHost, and faults injected at the forwarders cannot leave requests hanging.
        EmulatorOffsets? offsets;
        try
        {
            offsets = await http.GetFromJsonAsync<EmulatorOffsets>("/offsets", Json, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
        {
            return; // Shown as last seen until the next round.
        }
        foreach (var end in offsets?.EndOffsets ?? [])
        {
            _endOffsets[new TopicPartition(end.Topic, end.Partition)] = end.EndOffset;
        }
        foreach (var group in (offsets?.Committed ?? []).GroupBy(c => c.Group))
        {
            _committed[group.Key] = group.ToDictionary(c => new TopicPartition(c.Topic, c.Partition), c => c.Offset);
        }
        await PublishAsync(KafkaClusterView.Properties(cluster, _endOffsets, _committed));
    }

    private async Task PublishAsync(ImmutableArray<ResourcePropertySnapshot> view)
    {
        if (view.SequenceEqual(_publishedView, PropertyComparer.Instance))
        {
            return;
        }
        _publishedView = view;
        await notifications.PublishUpdateAsync(registration.Cluster, s => s with { Properties = KafkaClusterView.Merge(s.Properties, view) });
    }

    private sealed class PropertyComparer : IEqualityComparer<ResourcePropertySnapshot>
    {
        public static readonly PropertyComparer Instance = new();

        public bool Equals(ResourcePropertySnapshot? x, ResourcePropertySnapshot? y) =>
            x?.Name == y?.Name && Equals(x?.Value, y?.Value);

        public int GetHashCode(ResourcePropertySnapshot obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh the Kafka cluster view; trying again next round")]
    private partial void LogViewFailed(Exception ex);
}
