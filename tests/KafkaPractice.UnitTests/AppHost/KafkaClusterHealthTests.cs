using Confluent.Kafka;
using KafkaPractice.AppHost.Kafka;
using KafkaPractice.Messaging;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KafkaPractice.Tests.AppHost;

/// <summary>
/// Containers mode's <c>kafka</c> health, from the metadata a real cluster returns: brokers that are
/// down are missing from it, and a partition's ISR shrinks to the replicas that still follow.
/// </summary>
public sealed class KafkaClusterHealthTests
{
    private static readonly KafkaTopology Topology = KafkaTopology.Default;

    private static Metadata ClusterWith(int[] liveBrokers, Func<int, int[]> isrOfPartition, int leader = 1)
    {
        var brokers = liveBrokers.Select(id => new BrokerMetadata(id, "localhost", 9091 + id)).ToList();
        var topics = Topology.TopicsWithDeadLetters()
            .Select(t => new TopicMetadata(t.Name,
                Enumerable.Range(0, t.Partitions)
                    .Select(p => new PartitionMetadata(p, leader, [1, 2, 3], isrOfPartition(p), new Error(ErrorCode.NoError)))
                    .ToList(),
                new Error(ErrorCode.NoError)))
            .ToList();
        return new Metadata(brokers, topics, liveBrokers.FirstOrDefault(), "localhost");
    }

    [Fact]
    public void All_brokers_up_is_healthy_with_the_local_mode_wording()
    {
        var health = KafkaClusterHealth.Evaluate(ClusterWith([1, 2, 3], _ => [1, 2, 3]), Topology);
        var result = health.ToHealthCheckResult();

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("3/3 brokers up; 0/12 partitions below min.insync.replicas", result.Description);
    }

    [Fact]
    public void One_broker_down_keeps_min_insync_replicas_and_stays_plainly_healthy()
    {
        var result = KafkaClusterHealth.Evaluate(ClusterWith([1, 2], _ => [1, 2]), Topology).ToHealthCheckResult();

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.StartsWith("2/3 brokers up; 0/12", result.Description);
    }

    [Fact]
    public void Two_brokers_down_is_degraded_but_reported_healthy_so_waitfor_does_not_hang()
    {
        var result = KafkaClusterHealth.Evaluate(ClusterWith([1], _ => [1]), Topology).ToHealthCheckResult();

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.StartsWith(KafkaClusterHealth.DegradedPrefix + "1/3 brokers up; 12/12 partitions below min.insync.replicas", result.Description);
        Assert.Equal(12, result.Data["partitionsUnderMinInSync"]);
    }

    [Fact]
    public void An_isr_that_still_names_a_stopped_broker_counts_only_live_replicas()
    {
        // Until the controller fences a stopped broker, the ISR may still list it.
        var result = KafkaClusterHealth.Evaluate(ClusterWith([1], _ => [1, 2]), Topology).ToHealthCheckResult();

        Assert.StartsWith(KafkaClusterHealth.DegradedPrefix, result.Description);
    }

    [Fact]
    public void A_partition_without_a_leader_is_named()
    {
        var result = KafkaClusterHealth.Evaluate(ClusterWith([2, 3], _ => [2, 3], leader: -1), Topology).ToHealthCheckResult();

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Contains("create_member[0] has no leader", result.Description);
    }

    [Fact]
    public void A_missing_topic_is_named_and_its_partitions_count_as_below_the_minimum()
    {
        var metadata = ClusterWith([1, 2, 3], _ => [1, 2, 3]);
        metadata.Topics.RemoveAll(t => t.Topic == "create_coupon");

        var result = KafkaClusterHealth.Evaluate(metadata, Topology).ToHealthCheckResult();

        Assert.Contains("3/12 partitions below min.insync.replicas", result.Description);
        Assert.Contains("topic create_coupon is missing", result.Description);
    }
}
