using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaPractice.Kafka.Emulator.Tests;

public sealed class RetentionTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(("Emulator:ConsumerGroups", "slow-group"));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Dropping_data_a_group_has_not_consumed_is_reported()
    {
        var tp = new TopicPartition("create_coupon", 0);
        using (var consumer = new ConsumerBuilder<Ignore, Ignore>(_cluster.ConsumerConfig("slow-group")).Build())
        {
            consumer.Commit([new TopicPartitionOffset(tp, 5)]);
        }

        // About 8 MiB into one partition: more than the mock keeps (about 5 MiB).
        var payload = new byte[16 * 1024];
        using (var producer = new ProducerBuilder<Null, byte[]>(_cluster.ProducerConfig()).Build())
        {
            for (var i = 0; i < 512; i++)
            {
                producer.Produce(tp, new Message<Null, byte[]> { Value = payload });
            }
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var monitor = _cluster.Emulator.Services.GetRequiredService<RetentionMonitor>();
        var findings = await Task.Run(monitor.CheckOnce);
        var finding = Assert.Single(findings, f => f.Group == "slow-group" && f.Topic == "create_coupon" && f.Partition == 0);
        Assert.Equal(5, finding.Committed);
        Assert.True(finding.LowWatermark > 5);
        Assert.DoesNotContain(findings, f => f.Partition != 0 || f.Topic != "create_coupon");
    }

    [Fact]
    public async Task Committed_offsets_are_read_from_the_groups_coordinator_even_while_it_drops_clients_answers()
    {
        var tp = new TopicPartition("create_coupon", 1);
        using (var consumer = new ConsumerBuilder<Ignore, Ignore>(_cluster.ConsumerConfig("slow-group")).Build())
        {
            consumer.Commit([new TopicPartitionOffset(tp, 7)]);
        }

        // What the dashboard's view shows.
        var offsets = await _cluster.Http.GetFromJsonAsync<OffsetsDescription>("/offsets", new JsonSerializerOptions(JsonSerializerDefaults.Web));
        Assert.Contains(offsets!.Committed, c => c is { Group: "slow-group", Topic: "create_coupon", Partition: 1, Offset: 7 });
        Assert.DoesNotContain(offsets.Committed, c => c.Group == "slow-group" && c.Partition != 1);

        // The coordinator stops answering clients (the fault that, asked through the admin client and the
        // forwarders, aborted the emulator): the emulator's own read goes past the forwarders and still answers.
        var coordinator = (await _cluster.DescribeAsync()).Coordinators.Single(c => c is { KeyType: "group", Key: "slow-group" }).BrokerId;
        using (var drop = await _cluster.Http.PostAsync($"/brokers/{coordinator}/drop-responses", null))
        {
            drop.EnsureSuccessStatusCode();
        }
        try
        {
            var controller = _cluster.Emulator.Services.GetRequiredService<ClusterController>();
            var read = await controller.CommittedOffsetsAsync("slow-group", [tp, new TopicPartition("create_coupon", 0)], TimeSpan.FromSeconds(10));
            Assert.NotNull(read);
            Assert.Equal(7, Assert.Single(read).Value);
            Assert.Null(await controller.CommittedOffsetsAsync("a-group-nobody-asked-for", [tp], TimeSpan.FromSeconds(10)));
        }
        finally
        {
            using var deliver = await _cluster.Http.PostAsync($"/brokers/{coordinator}/deliver-responses", null);
            deliver.EnsureSuccessStatusCode();
        }
    }
}
