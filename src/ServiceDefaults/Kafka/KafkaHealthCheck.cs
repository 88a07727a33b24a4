using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KafkaPractice.ServiceDefaults.Kafka;

/// <summary>
/// Healthy when the cluster answers a metadata request and every topology topic exists with a
/// leader for each partition: a partition without a leader takes no writes and serves no reads.
/// </summary>
public sealed class KafkaHealthCheck(AdminClientConfig config, KafkaTopology topology, TimeSpan timeout) : IHealthCheck, IDisposable
{
    private readonly Lazy<IAdminClient> _admin = new(() => new AdminClientBuilder(config).Build());

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var metadata = await Task.Run(() => _admin.Value.GetMetadata(timeout), cancellationToken).ConfigureAwait(false);
            var problems = Evaluate(metadata, topology);
            var data = new Dictionary<string, object> { ["brokers"] = metadata.Brokers.Count };
            return problems.Count == 0
                ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s); every topic partition has a leader.", data)
                : new HealthCheckResult(context.Registration.FailureStatus, string.Join(" ", problems), data: data);
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

    public void Dispose()
    {
        if (_admin.IsValueCreated)
        {
            _admin.Value.Dispose();
        }
    }
}
