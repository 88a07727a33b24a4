using Confluent.Kafka;
using KafkaPractice.Messaging;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KafkaPractice.AppHost.Kafka;

/// <summary>
/// Containers mode's <c>kafka</c> health, read from cluster metadata only (no side effects): Healthy
/// while every topic partition has a leader and at least min.insync.replicas live in-sync replicas;
/// Degraded-as-Healthy otherwise (see <see cref="KafkaClusterHealth"/>); Unhealthy only when no broker
/// answers. Topics are created once by <see cref="KafkaClusterStartup"/>, never here.
/// </summary>
internal sealed class KafkaClusterHealthCheck(KafkaClusterReader reader, KafkaTopology topology) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Metadata metadata;
        try
        {
            metadata = await reader.MetadataAsync(cancellationToken);
        }
        catch (KafkaException ex)
        {
            return HealthCheckResult.Unhealthy("No Kafka broker answered a metadata request.", ex);
        }
        if (metadata.Brokers.Count == 0)
        {
            return HealthCheckResult.Unhealthy("No Kafka broker answered a metadata request.");
        }
        return KafkaClusterHealth.Evaluate(metadata, topology).ToHealthCheckResult();
    }
}

/// <summary>
/// How <c>kafka</c> reports its health, in the words Local mode's emulator uses
/// ("N/M brokers up; U/P partitions below min.insync.replicas"). A cluster that still serves but with
/// less margin is reported Healthy with a description that starts with <see cref="DegradedPrefix"/>:
/// Aspire starts a resource that waits for <c>kafka</c> only once it is Healthy, and a restarted
/// producer-api or consumer-worker must not hang while the broker lab has brokers stopped.
/// </summary>
public sealed record KafkaClusterHealth(bool FullMargin, string Description, IReadOnlyDictionary<string, object> Data)
{
    public const string DegradedPrefix = "Degraded (reported as Healthy so that WaitFor does not hang): ";

    public HealthCheckResult ToHealthCheckResult() =>
        HealthCheckResult.Healthy(FullMargin ? Description : DegradedPrefix + Description, Data);

    public static KafkaClusterHealth Evaluate(Metadata metadata, KafkaTopology topology)
    {
        var live = metadata.Brokers.Select(b => b.BrokerId).ToHashSet();
        var partitions = 0;
        var under = 0;
        var notes = new List<string>();
        foreach (var expected in topology.TopicsWithDeadLetters())
        {
            var topic = metadata.Topics.FirstOrDefault(t => t.Topic == expected.Name && !t.Error.IsError);
            if (topic is null)
            {
                partitions += expected.Partitions;
                under += expected.Partitions;
                notes.Add($"topic {expected.Name} is missing");
                continue;
            }
            foreach (var partition in topic.Partitions)
            {
                partitions++;
                var leaderless = partition.Leader < 0 || partition.Error.IsError;
                if (leaderless || partition.InSyncReplicas.Count(live.Contains) < expected.MinInSyncReplicas)
                {
                    under++;
                    if (leaderless)
                    {
                        notes.Add($"{expected.Name}[{partition.PartitionId}] has no leader");
                    }
                }
            }
        }
        var description = $"{live.Count}/{topology.Brokers} brokers up; {under}/{partitions} partitions below min.insync.replicas";
        if (under > 0)
        {
            description += " (acks=all writes to them are refused)";
        }
        if (notes.Count > 0)
        {
            description += "; " + string.Join("; ", notes);
        }
        var data = new Dictionary<string, object>
        {
            ["brokersUp"] = live.Count,
            ["brokers"] = topology.Brokers,
            ["partitions"] = partitions,
            ["partitionsUnderMinInSync"] = under,
        };
        return new KafkaClusterHealth(under == 0, description, data);
    }
}
