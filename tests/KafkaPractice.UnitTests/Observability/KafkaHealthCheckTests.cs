using Confluent.Kafka;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Kafka.Client;

namespace KafkaPractice.Tests.Observability;

public sealed class KafkaHealthCheckTests
{
    private static readonly KafkaTopology Topology = KafkaTopology.Default;

    [Fact]
    public void A_full_cluster_has_no_problems_and_no_warnings()
    {
        var metadata = Cluster(liveBrokers: [1, 2, 3], leader: 1);
        Assert.Empty(KafkaHealthCheck.Evaluate(metadata, Topology));
        Assert.Empty(KafkaHealthCheck.Margins(metadata, Topology));
    }

    [Fact]
    public void One_broker_down_is_a_warning_but_writes_still_have_enough_replicas()
    {
        var metadata = Cluster(liveBrokers: [2, 3], leader: 2);
        Assert.Empty(KafkaHealthCheck.Evaluate(metadata, Topology));
        var warning = Assert.Single(KafkaHealthCheck.Margins(metadata, Topology));
        Assert.Contains("2 of 3 brokers", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_brokers_down_puts_every_partition_below_min_insync_replicas()
    {
        var metadata = Cluster(liveBrokers: [3], leader: 3);
        Assert.Empty(KafkaHealthCheck.Evaluate(metadata, Topology));
        var warnings = KafkaHealthCheck.Margins(metadata, Topology);
        Assert.Contains(warnings, w => w.Contains("'create_member' partitions below min.insync.replicas 2", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("'create_coupon' partitions below min.insync.replicas 2", StringComparison.Ordinal));
    }

    [Fact]
    public void A_partition_without_a_leader_is_a_problem()
    {
        var metadata = Cluster(liveBrokers: [1, 2, 3], leader: -1);
        Assert.Contains(KafkaHealthCheck.Evaluate(metadata, Topology), p => p.Contains("without a leader", StringComparison.Ordinal));
    }

    /// <summary>Metadata as the emulator reports it: only live brokers, every replica listed as in sync.</summary>
    private static Metadata Cluster(int[] liveBrokers, int leader)
    {
        var brokers = liveBrokers.Select(id => new BrokerMetadata(id, "127.0.0.1", 9091 + id)).ToList();
        var topics = Topology.Topics.Select(t => new TopicMetadata(
            t.Name,
            Enumerable.Range(0, t.Partitions).Select(p => new PartitionMetadata(p, leader, [1, 2, 3], [1, 2, 3], new Error(ErrorCode.NoError))).ToList(),
            new Error(ErrorCode.NoError))).ToList();
        return new Metadata(brokers, topics, liveBrokers[0], "127.0.0.1");
    }
}
