using KafkaPractice.Messaging;
using Microsoft.Extensions.Configuration;

namespace KafkaPractice.Tests.AppHost;

public sealed class TopologyValidationTests
{
    private static KafkaTopology Topology(int brokers, int replicationFactor, int minInSync) => new()
    {
        Brokers = brokers,
        Topics = [new TopicDefinition { Name = "t", Partitions = 3, ReplicationFactor = replicationFactor, MinInSyncReplicas = minInSync }],
    };

    [Fact]
    public void Default_topology_is_valid_without_warnings()
    {
        var result = KafkaTopologyValidator.Validate(KafkaTopology.Default);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Empty(result.Warnings);
        Assert.Equal(3, KafkaTopology.Default.Brokers);
        Assert.All(KafkaTopology.Default.Topics, t => Assert.Equal((3, 3, 2), (t.Partitions, t.ReplicationFactor, t.MinInSyncReplicas)));
        Assert.Equal(["create_member", "create_coupon"], KafkaTopology.Default.Topics.Select(t => t.Name));
    }

    [Fact]
    public void Min_insync_equal_to_broker_count_is_refused_because_one_broker_loss_stops_writes()
    {
        var result = KafkaTopologyValidator.Validate(Topology(brokers: 3, replicationFactor: 3, minInSync: 3));

        var error = Assert.Single(result.Errors);
        Assert.Contains("losing one broker stops every acks=all write", error);
        Assert.Contains("at most brokers - 1 (2)", error);
    }

    [Fact]
    public void Min_insync_above_replication_factor_is_refused()
    {
        var result = KafkaTopologyValidator.Validate(Topology(brokers: 5, replicationFactor: 2, minInSync: 3));

        Assert.Contains(result.Errors, e => e.Contains("min.insync.replicas 3 is more than replication factor 2"));
    }

    [Fact]
    public void Replication_factor_above_broker_count_is_refused()
    {
        var result = KafkaTopologyValidator.Validate(Topology(brokers: 3, replicationFactor: 4, minInSync: 2));

        Assert.Contains(result.Errors, e => e.Contains("replication factor 4 is more than the 3 broker(s)"));
    }

    [Fact]
    public void Single_broker_topology_is_allowed_with_a_warning()
    {
        var result = KafkaTopologyValidator.Validate(Topology(brokers: 1, replicationFactor: 1, minInSync: 1));

        Assert.True(result.IsValid);
        Assert.Contains(result.Warnings, w => w.Contains("survives no broker failure"));
    }

    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(3, 0, 1)]
    [InlineData(3, 3, 0)]
    [InlineData(2, 2, 2)]
    public void Impossible_or_fragile_topologies_are_refused(int brokers, int replicationFactor, int minInSync)
    {
        Assert.False(KafkaTopologyValidator.Validate(Topology(brokers, replicationFactor, minInSync)).IsValid);
    }

    [Fact]
    public void Throwing_validation_lists_every_error()
    {
        var topology = new KafkaTopology
        {
            Brokers = 3,
            Topics =
            [
                new TopicDefinition { Name = "a", ReplicationFactor = 4, MinInSyncReplicas = 2 },
                new TopicDefinition { Name = "b", ReplicationFactor = 3, MinInSyncReplicas = 3 },
            ],
        };

        var ex = Assert.Throws<InvalidKafkaTopologyException>(() => KafkaTopologyValidator.ThrowIfInvalid(topology));
        Assert.Equal(2, ex.Errors.Count);
        Assert.Contains("Topic 'a'", ex.Message);
        Assert.Contains("Topic 'b'", ex.Message);
    }

    [Fact]
    public void Configuration_overrides_one_setting_and_keeps_the_default_topics()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["KafkaTopology:Brokers"] = "5",
        }).Build();

        var topology = KafkaTopology.From(configuration);

        Assert.Equal(5, topology.Brokers);
        Assert.Equal(2, topology.Topics.Count);
    }

    [Fact]
    public void Topology_survives_the_round_trip_through_environment_variables()
    {
        var original = Topology(brokers: 4, replicationFactor: 3, minInSync: 2);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(original.ToConfiguration(separator: ":").Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)))
            .Build();

        var copy = KafkaTopology.From(configuration);

        Assert.Equal(original.Brokers, copy.Brokers);
        Assert.Equal(original.Topics, copy.Topics);
    }
}
