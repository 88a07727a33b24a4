extern alias worker;

using Confluent.Kafka;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Kafka;
using KafkaPractice.Messaging.Kafka.Client;
using KafkaPractice.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using worker::KafkaPractice.Consumer.Worker.Messaging;

namespace KafkaPractice.Tests.Consumers;

/// <summary>
/// The shared batch consumer, run in this process against the system's Kafka (the emulator) in
/// a group of its own, with a consumer whose offset commit fails once: as when the group
/// coordinator moves while this consumer still owns its partitions.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class CommitRetryTests(AppHostFixture fixture)
{
    [Fact]
    public async Task A_failed_commit_of_a_partitions_last_batch_is_retried_until_the_committed_offset_reaches_the_end()
    {
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        var topic = KafkaTopology.CreateCoupon;
        var partition = new TopicPartition(topic, 0);

        // The last records of partition 0: markers, which every consumer skips (nothing is written anywhere).
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka, Acks = Acks.All }).Build())
        {
            for (var i = 0; i < 3; i++)
            {
                await producer.ProduceAsync(partition, ContractMessage.Create("commit-retry-test", new LogMarker("test")));
            }
        }
        long end;
        using (var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = kafka, GroupId = "probe" }).Build())
        {
            end = probe.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High.Value;
        }

        var group = $"commit-retry-{Guid.NewGuid():N}";
        var failures = 0;
        using var deadLetterProducer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = kafka, Acks = Acks.All }).Build();
        await using var services = new ServiceCollection()
            .AddScoped<IBatchHandler<byte[]>, IgnoringHandler>()
            .BuildServiceProvider();
        var consumerConfig = new ConsumerConfig
        {
            BootstrapServers = kafka,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
        };
        using var service = new BatchConsumerService<byte[]>(
            new BatchConsumerOptions { Topic = topic, GroupId = group, Instances = 1 },
            KafkaTopology.Default,
            new KafkaConsumerFactory<byte[], byte[]>(consumerConfig, NullLogger.Instance, null),
            new RawReader(),
            new DeadLetterPublisher(deadLetterProducer, TimeProvider.System),
            services.GetRequiredService<IServiceScopeFactory>(),
            NullLogger<BatchConsumerService<byte[]>>.Instance,
            consumer => new CommitFailsOnce(consumer, offsets =>
                offsets.Any(o => o.TopicPartition == partition && o.Offset.Value >= end) && Interlocked.Exchange(ref failures, 1) == 0));

        await service.StartAsync(CancellationToken.None);
        try
        {
            using var watcher = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = kafka, GroupId = group }).Build();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            long committed;
            while ((committed = watcher.Committed([partition], TimeSpan.FromSeconds(5)).Single().Offset.Value) < end && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
            Assert.Equal(1, Volatile.Read(ref failures));
            Assert.Equal(end, committed);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    // Whatever else the topic holds (other tests' coupons, poison) is read and ignored: nothing is written or dead-lettered.
    private sealed class RawReader : IMessageReader<byte[]>
    {
        public byte[] Read(ConsumeResult<byte[], byte[]> record) => record.Message.Value ?? [];
    }

    private sealed class IgnoringHandler : IBatchHandler<byte[]>
    {
        public Task HandleAsync(IReadOnlyList<ConsumedMessage<byte[]>> batch, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
