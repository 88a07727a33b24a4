using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// Healthy while the mock cluster runs with every broker up; Degraded while a broker is
/// stopped (on purpose, through the control API); Unhealthy when the mock is not running.
/// </summary>
internal sealed class ClusterHealthCheck(ClusterController controller) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!controller.IsRunning)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The mock Kafka cluster is not running."));
        }
        var cluster = controller.Describe();
        var up = cluster.Brokers.Count(b => b.Up);
        var partitions = cluster.Topics.SelectMany(t => t.Partitions).ToList();
        var under = partitions.Count(p => p.UnderMinInSync);
        var data = new Dictionary<string, object>
        {
            ["bootstrap"] = controller.Bootstrap,
            ["brokersUp"] = up,
            ["brokers"] = cluster.Brokers.Count,
            ["controllerId"] = cluster.ControllerId,
            ["partitions"] = partitions.Count,
            ["partitionsUnderMinInSync"] = under,
            ["produceRefused"] = cluster.ProduceRefused,
        };
        var description = $"{up}/{cluster.Brokers.Count} brokers up; {under}/{partitions.Count} partitions below min.insync.replicas";
        return Task.FromResult(up == cluster.Brokers.Count
            ? HealthCheckResult.Healthy(description, data)
            : HealthCheckResult.Degraded(description, data: data));
    }
}
