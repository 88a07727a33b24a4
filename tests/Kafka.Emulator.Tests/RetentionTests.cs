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
}
