using System.Buffers.Binary;
using System.Text;
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

    [Fact]
    public async Task The_cluster_is_described_without_asking_the_mock_until_a_client_learns_of_a_new_topic()
    {
        var controller = _cluster.Emulator.Controller;
        await _cluster.DescribeAsync(); // the first look reads the topic list once
        var reads = controller.TopicListReads;

        // Clients of the topology's topics, and the control API's own polling, ask the mock nothing.
        using var producer = new ProducerBuilder<string, string>(_cluster.ProducerConfig(messageTimeoutMs: 10_000)).Build();
        await producer.ProduceAsync("create_member", new Message<string, string> { Key = "k", Value = "known" });
        for (var i = 0; i < 10; i++)
        {
            await _cluster.DescribeAsync();
            (await _cluster.Http.GetAsync("/offsets")).EnsureSuccessStatusCode();
            (await _cluster.Http.GetAsync("/health")).EnsureSuccessStatusCode();
        }
        Assert.Equal(reads, controller.TopicListReads);

        // A client that learned of a new topic: the very next description has it.
        var topic = $"auto-{Guid.NewGuid():N}";
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "new" });
        Assert.Contains((await _cluster.DescribeAsync()).Topics, t => t.Name == topic);
        Assert.True(controller.TopicListReads > reads, "the new topic was described without reading the topic list");

        // Once adopted, describing it costs nothing again.
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "again" });
        await _cluster.DescribeAsync();
        reads = controller.TopicListReads;
        for (var i = 0; i < 10; i++)
        {
            await _cluster.DescribeAsync();
        }
        Assert.Equal(reads, controller.TopicListReads);
    }

    [Fact]
    public async Task A_topic_created_by_an_old_clients_metadata_request_shows_in_the_next_description()
    {
        // Metadata v4, as older pure-protocol clients send it: one topic, auto-creation allowed. The
        // emulator reads topic names only from v10 on, so this answer tells it only that topics may have changed.
        var topic = $"old-client-{Guid.NewGuid():N}";
        var name = Encoding.UTF8.GetBytes(topic);
        var body = new byte[4 + 2 + name.Length + 1];
        BinaryPrimitives.WriteInt32BigEndian(body, 1);
        BinaryPrimitives.WriteInt16BigEndian(body.AsSpan(4), (short)name.Length);
        name.CopyTo(body, 6);
        body[^1] = 1; // AllowAutoTopicCreation

        Assert.NotNull(await _cluster.SendRawAsync(apiKey: 3, version: 4, clientId: "old-client", body, TimeSpan.FromSeconds(5)));

        var described = Assert.Single((await _cluster.DescribeAsync()).Topics, t => t.Name == topic);
        Assert.All(described.Partitions, p => Assert.True(p.Leader > 0));
    }
}
