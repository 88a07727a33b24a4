extern alias worker;

using System.Collections.Concurrent;
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
/// How the shared batch consumer cuts its batches with the default options, run in this process
/// against the system's Kafka (the emulator) on a topic of its own: records already fetched go
/// into one batch, up to <see cref="BatchConsumerOptions.MaxBatchSize"/>, and a record that
/// arrives alone is processed at once instead of waiting for company.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class BatchFormationTests(AppHostFixture fixture)
{
    private const int Backlog = 200;
    private const int MaxBatchSize = 50;

    [Fact]
    public async Task A_backlog_is_read_in_full_batches_and_a_lone_record_is_not_held_for_the_batch_window()
    {
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        var topic = $"batch-formation-{Guid.NewGuid():N}";
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka, Acks = Acks.All, EnableIdempotence = true, LingerMs = 20 }).Build();
        // The backlog is in the log before the consumer starts (the first produce creates the topic, one partition).
        await producer.ProduceAsync(topic, Record(0));
        await Task.WhenAll(Enumerable.Range(1, Backlog - 1).Select(i => producer.ProduceAsync(topic, Record(i))));

        var batches = new ConcurrentQueue<int[]>();
        using var deadLetterProducer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = kafka, Acks = Acks.All }).Build();
        await using var services = new ServiceCollection()
            .AddSingleton(batches)
            .AddScoped<IBatchHandler<int>, RecordingHandler>()
            .BuildServiceProvider();
        var consumerConfig = new ConsumerConfig
        {
            BootstrapServers = kafka,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
        };
        // The defaults but for the batch size, and a window longer than the test may wait: a batch
        // that waited it out would fail the test rather than pass it slowly.
        var options = new BatchConsumerOptions
        {
            Topic = topic,
            GroupId = $"batch-formation-{Guid.NewGuid():N}",
            Instances = 1,
            MaxBatchSize = MaxBatchSize,
            MaxBatchWaitMs = 300_000,
        };
        var topology = KafkaTopology.Default;
        topology.Topics.Add(new TopicDefinition { Name = topic, Partitions = 1 });
        using var service = new BatchConsumerService<int>(
            options,
            topology,
            new KafkaConsumerFactory<byte[], byte[]>(consumerConfig, NullLogger.Instance, null),
            new IndexReader(),
            new DeadLetterPublisher(deadLetterProducer, TimeProvider.System),
            services.GetRequiredService<IServiceScopeFactory>(),
            NullLogger<BatchConsumerService<int>>.Instance);

        await service.StartAsync(CancellationToken.None);
        try
        {
            await Poll.UntilAsync(() => batches.Sum(b => b.Length) >= Backlog, "Timed out after 60 s waiting for the backlog to be processed.");
            var backlog = batches.ToArray();
            Assert.Equal(Enumerable.Range(0, Backlog), backlog.SelectMany(b => b));
            Assert.All(backlog, b => Assert.InRange(b.Length, 1, MaxBatchSize));
            // Records fetched together are written together: far fewer batches than records.
            Assert.True(backlog.Length <= Backlog / 4, $"{Backlog} records in {backlog.Length} batches: {string.Join(",", backlog.Select(b => b.Length))}");

            // Caught up: a record on its own is processed without waiting out the 300 s window.
            await producer.ProduceAsync(topic, Record(Backlog));
            await Poll.UntilAsync(() => batches.Count > backlog.Length, "Timed out after 60 s waiting for the lone record to be processed.");
            Assert.Equal([Backlog], batches.Last());
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    private static Message<string, byte[]> Record(int index) => new() { Key = "k", Value = BitConverter.GetBytes(index) };

    private sealed class IndexReader : IMessageReader<int>
    {
        public int Read(ConsumeResult<byte[], byte[]> record) => BitConverter.ToInt32(record.Message.Value);
    }

    private sealed class RecordingHandler(ConcurrentQueue<int[]> batches) : IBatchHandler<int>
    {
        public Task HandleAsync(IReadOnlyList<ConsumedMessage<int>> batch, CancellationToken cancellationToken)
        {
            batches.Enqueue([.. batch.Select(m => m.Message)]);
            return Task.CompletedTask;
        }
    }
}
