using Confluent.Kafka;
using KafkaPractice.AppHost.Kafka;
using KafkaPractice.Messaging;

namespace KafkaPractice.Tests.AppHost;

/// <summary>
/// Containers mode's lines in <c>kafka</c>'s details, from the metadata and offsets a real cluster
/// returns (a stopped broker is missing from the metadata and leaves the ISR); the emulator cannot
/// show that case (its mock reports ISR = all replicas), so it is built here from Kafka's own types.
/// </summary>
public sealed class KafkaClusterViewTests
{
    private static readonly Error NoError = new(ErrorCode.NoError);

    private static Metadata Broker2Stopped() => new(
        [new BrokerMetadata(1, "localhost", 9092), new BrokerMetadata(3, "localhost", 9094)],
        [
            new TopicMetadata("create_member",
            [
                new PartitionMetadata(0, 1, [1, 2, 3], [1, 3], NoError),
                new PartitionMetadata(1, 3, [2, 3, 1], [3, 1], NoError),
                new PartitionMetadata(2, 3, [3, 1, 2], [3], NoError),
            ], NoError),
            new TopicMetadata("__consumer_offsets", [new PartitionMetadata(0, 1, [1, 2, 3], [1, 3], NoError)], NoError),
            new TopicMetadata("scratch", [new PartitionMetadata(0, 1, [1], [1], NoError)], NoError),
        ],
        1, "localhost");

    [Fact]
    public void A_stopped_broker_shows_in_the_summary_the_isr_and_the_partitions_below_min_insync()
    {
        var snapshot = ClusterSnapshot.FromMetadata(Broker2Stopped(), KafkaTopology.Default);
        var offsets = new Dictionary<TopicPartition, long> { [new("create_member", 1)] = 9 };
        var committed = new Dictionary<string, IReadOnlyDictionary<TopicPartition, long>>
        {
            ["member-registrations"] = new Dictionary<TopicPartition, long> { [new("create_member", 1)] = 7 },
        };

        var rows = KafkaClusterView.Properties(snapshot, offsets, committed).ToDictionary(p => p.Name, p => p.Value as string);

        Assert.Equal("Healthy (degraded): 2/3 brokers up (stopped: 2); 2 partitions below min.insync.replicas, so acks=all writes are refused", rows["kafka.cluster"]);
        Assert.Equal("leader 1 | replicas 1,2,3 | ISR 1,3 | end offset ?", rows["kafka.partition.create_member.0"]);
        Assert.Equal("leader 3 | replicas 2,3,1 | ISR 3,1 | end offset 9", rows["kafka.partition.create_member.1"]);
        Assert.Equal("leader 3 | replicas 3,1,2 | ISR 3 | end offset ? | below min.insync.replicas (2)", rows["kafka.partition.create_member.2"]);
        Assert.Equal("committed 7 | lag 2", rows["kafka.lag.member-registrations.create_member.1"]);
        // Kafka's internal topics stay out; a topic outside the topology gets the brokers' default min.insync.replicas (2).
        Assert.DoesNotContain(rows.Keys, k => k.Contains("__consumer_offsets", StringComparison.Ordinal));
        Assert.EndsWith("| below min.insync.replicas (2)", rows["kafka.partition.scratch.0"]);
    }

    [Fact]
    public void With_every_broker_up_the_summary_names_no_controller_because_kraft_controllers_are_not_brokers()
    {
        var metadata = new Metadata(
            [new BrokerMetadata(1, "localhost", 9092), new BrokerMetadata(2, "localhost", 9093), new BrokerMetadata(3, "localhost", 9094)],
            [new TopicMetadata("create_member", [new PartitionMetadata(0, 2, [2, 3, 1], [2, 3, 1], NoError)], NoError)],
            2, "localhost");

        var summary = KafkaClusterView.Summary(ClusterSnapshot.FromMetadata(metadata, KafkaTopology.Default));

        Assert.Equal("Healthy: 3/3 brokers up, 1 partitions led and in sync", summary);
    }
}
