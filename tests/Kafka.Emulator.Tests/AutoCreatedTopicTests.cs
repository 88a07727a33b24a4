using Confluent.Kafka;

namespace KafkaPractice.Kafka.Emulator.Tests;

/// <summary>A topic a client creates by producing to it fails over like the topology's topics.</summary>
public sealed class AutoCreatedTopicTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Auto_created_topic_gets_a_live_leader_when_its_leader_stops_and_keeps_taking_writes()
    {
        var topic = $"auto-{Guid.NewGuid():N}";
        using var producer = new ProducerBuilder<string, string>(_cluster.ProducerConfig(messageTimeoutMs: 10_000)).Build();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "before" });

        var described = (await _cluster.DescribeAsync()).Topics.Single(t => t.Name == topic);
        var partition = described.Partitions[0];
        var leader = partition.Leader;
        Assert.True(leader > 0);

        var stopped = await _cluster.StopBrokerAsync(leader);
        try
        {
            var moved = stopped.Topics.Single(t => t.Name == topic).Partitions[0];
            Assert.NotEqual(leader, moved.Leader);
            Assert.True(moved.Leader > 0, "the partition has no leader");
            Assert.DoesNotContain(leader, moved.LiveReplicas);

            var after = await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "after" });
            Assert.Equal(PersistenceStatus.Persisted, after.Status);
        }
        finally
        {
            await _cluster.StartBrokerAsync(leader);
        }

        var values = _cluster.ReadAll(topic, described.Partitions.Count, TimeSpan.FromSeconds(20)).Select(r => r.Message.Value).ToList();
        Assert.Equal(["before", "after"], values);
    }
}
