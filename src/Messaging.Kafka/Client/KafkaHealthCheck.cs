using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KafkaPractice.Messaging.Kafka.Client;

/// <summary>
/// Registered by every client registration (one per connection name). Healthy when the cluster
/// answers a metadata request and every topology topic exists with a leader for each partition: a partition without a leader takes no writes and serves no reads
/// (failure status). Degraded when it works but with less margin than the topology promises:
/// fewer brokers answer than it has, or a partition has fewer live in-sync replicas than
/// <c>min.insync.replicas</c> (so acks=all writes to it are refused). Live in-sync replicas are the
/// metadata's ISR on brokers that are in the metadata: exact on Kafka; the emulator always reports
/// every replica in sync, but lists only live brokers, which gives the same answer.
/// </summary>
public sealed class KafkaHealthCheck(AdminClientConfig config, KafkaTopology? topology, TimeSpan timeout) : IHealthCheck, IDisposable
{
    // Without a topology only "does any broker answer" is judged.
    private readonly KafkaTopology _topology = topology ?? new KafkaTopology { Brokers = 0 };
    private readonly Lazy<IAdminClient> _admin = new(() => new AdminClientBuilder(config).Build());

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var metadata = await Task.Run(() => _admin.Value.GetMetadata(timeout), cancellationToken).ConfigureAwait(false);
            var problems = Evaluate(metadata, _topology);
            var warnings = Margins(metadata, _topology);
            var data = new Dictionary<string, object> { ["brokers"] = metadata.Brokers.Count };
            if (problems.Count > 0)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, string.Join(" ", problems.Concat(warnings)), data: data);
            }
            return warnings.Count == 0
                ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s); every topic partition has a leader and enough in-sync replicas.", data)
                : HealthCheckResult.Degraded(string.Join(" ", warnings), data: data);
        }
        catch (KafkaException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The Kafka cluster did not answer a metadata request.", ex);
        }
    }

    public static IReadOnlyList<string> Evaluate(Metadata metadata, KafkaTopology topology)
    {
        var problems = new List<string>();
        if (metadata.Brokers.Count == 0)
        {
            problems.Add("No broker is known.");
        }
        foreach (var expected in topology.Topics)
        {
            var topic = metadata.Topics.FirstOrDefault(t => t.Topic == expected.Name);
            if (topic is null || topic.Error.IsError)
            {
                problems.Add($"Topic '{expected.Name}' is missing{(topic is null ? "" : $" ({topic.Error.Reason})")}.");
                continue;
            }
            var leaderless = topic.Partitions.Where(p => p.Leader < 0 || p.Error.IsError).Select(p => p.PartitionId).ToList();
            if (leaderless.Count > 0)
            {
                problems.Add($"Topic '{expected.Name}' partitions without a leader: {string.Join(", ", leaderless)}.");
            }
        }
        return problems;
    }

    /// <summary>What still works but with less margin than the topology promises.</summary>
    public static IReadOnlyList<string> Margins(Metadata metadata, KafkaTopology topology)
    {
        var warnings = new List<string>();
        if (metadata.Brokers.Count < topology.Brokers)
        {
            warnings.Add($"{metadata.Brokers.Count} of {topology.Brokers} brokers answer.");
        }
        var live = metadata.Brokers.Select(b => b.BrokerId).ToHashSet();
        foreach (var expected in topology.Topics)
        {
            var topic = metadata.Topics.FirstOrDefault(t => t.Topic == expected.Name && !t.Error.IsError);
            if (topic is null)
            {
                continue;
            }
            var under = topic.Partitions
                .Where(p => p.Leader >= 0 && p.InSyncReplicas.Count(live.Contains) < expected.MinInSyncReplicas)
                .Select(p => p.PartitionId)
                .ToList();
            if (under.Count > 0)
            {
                warnings.Add($"Topic '{expected.Name}' partitions below min.insync.replicas {expected.MinInSyncReplicas} (acks=all writes refused): {string.Join(", ", under)}.");
            }
        }
        return warnings;
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated)
        {
            _admin.Value.Dispose();
        }
    }
}
