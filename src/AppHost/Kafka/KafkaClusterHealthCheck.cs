using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaPractice.ServiceDefaults.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KafkaPractice.AppHost.Kafka;

/// <summary>
/// Containers mode: healthy when every broker answers and each topology topic (and its
/// dead-letter topic) exists with its partitions, replication factor and min.insync.replicas.
/// Missing topics are created here, so nothing that waits for <c>kafka</c> sees a half-made cluster;
/// a topic that exists with other settings is reported, not silently changed.
/// </summary>
internal sealed class KafkaClusterHealthCheck(KafkaClusterHealthCheck.Registration registration) : IHealthCheck
{
    internal sealed record Registration(KafkaClusterResource Cluster, KafkaTopology Topology);

    private volatile bool _topicsVerified;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var bootstrap = await registration.Cluster.ConnectionStringExpression.GetValueAsync(cancellationToken);
        using var admin = new AdminClientBuilder(new AdminClientConfig
        {
            BootstrapServers = bootstrap,
            SocketTimeoutMs = 5000,
        }).Build();

        try
        {
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(5));
            if (metadata.Brokers.Count < registration.Topology.Brokers)
            {
                return HealthCheckResult.Unhealthy(
                    $"{metadata.Brokers.Count} of {registration.Topology.Brokers} brokers are in the cluster metadata.");
            }
            if (!_topicsVerified)
            {
                var problems = await EnsureTopicsAsync(admin, metadata);
                if (problems.Count > 0)
                {
                    return HealthCheckResult.Unhealthy(string.Join(" ", problems));
                }
                _topicsVerified = true;
            }
            return HealthCheckResult.Healthy();
        }
        catch (KafkaException ex)
        {
            return HealthCheckResult.Unhealthy("The Kafka cluster did not answer.", ex);
        }
    }

    private async Task<List<string>> EnsureTopicsAsync(IAdminClient admin, Metadata metadata)
    {
        var wanted = registration.Topology.TopicsWithDeadLetters().ToList();
        var existing = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError).ToDictionary(t => t.Topic);
        var missing = wanted.Where(t => !existing.ContainsKey(t.Name)).ToList();
        if (missing.Count > 0)
        {
            try
            {
                await admin.CreateTopicsAsync(missing.Select(t => new TopicSpecification
                {
                    Name = t.Name,
                    NumPartitions = t.Partitions,
                    ReplicationFactor = (short)t.ReplicationFactor,
                    Configs = new Dictionary<string, string> { ["min.insync.replicas"] = t.MinInSyncReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                }));
            }
            catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
            {
                // Created concurrently: verified below.
            }
            metadata = admin.GetMetadata(TimeSpan.FromSeconds(5));
            existing = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError).ToDictionary(t => t.Topic);
        }

        var problems = new List<string>();
        foreach (var topic in wanted)
        {
            if (!existing.TryGetValue(topic.Name, out var actual))
            {
                problems.Add($"Topic {topic.Name} does not exist yet.");
                continue;
            }
            if (actual.Partitions.Count != topic.Partitions)
            {
                problems.Add($"Topic {topic.Name} has {actual.Partitions.Count} partitions; the topology wants {topic.Partitions}.");
            }
            var replicas = actual.Partitions.Min(p => p.Replicas.Length);
            if (replicas != topic.ReplicationFactor)
            {
                problems.Add($"Topic {topic.Name} has replication factor {replicas}; the topology wants {topic.ReplicationFactor}.");
            }
        }

        var configs = await admin.DescribeConfigsAsync(wanted
            .Where(t => existing.ContainsKey(t.Name))
            .Select(t => new ConfigResource { Type = ResourceType.Topic, Name = t.Name }));
        foreach (var config in configs)
        {
            var topic = wanted.First(t => t.Name == config.ConfigResource.Name);
            if (config.Entries.TryGetValue("min.insync.replicas", out var entry)
                && entry.Value != topic.MinInSyncReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                problems.Add($"Topic {topic.Name} has min.insync.replicas {entry.Value}; the topology wants {topic.MinInSyncReplicas}.");
            }
        }
        return problems;
    }
}
