using System.Diagnostics;
using Confluent.Kafka;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Kafka;
using KafkaPractice.Messaging.Kafka.Client;

namespace KafkaPractice.Consumer.Worker.Messaging;

/// <summary>
/// Runs the consumers of one topic, each on its own thread with its own client, all in one group.
/// Each consumer (<see cref="BatchConsumerLoop"/>) loops: collect a batch, dead-letter the records
/// that can never be processed, hand the rest to the <see cref="IBatchHandler{TMessage}"/>, and only
/// then commit the offsets (<see cref="OffsetCommitter"/>).
/// </summary>
/// <remarks>
/// At-least-once: a crash before the commit replays the batch, so handlers are idempotent.
/// A failing batch is kept and retried with exponential back-off while its partitions are paused
/// (the consumer keeps polling, so it stays in the group, but fetches nothing). A revocation
/// drops the uncommitted batch; whoever gets the partitions reads it again from the committed offset.
/// A failed offset commit (e.g. the group coordinator is moving) is kept and retried on the next
/// turns until it succeeds or its partitions are revoked: if no further record arrives, nothing
/// else would ever move the committed offset to the end, and the API's settling and rebuilding
/// wait for exactly that.
/// </remarks>
public sealed partial class BatchConsumerService<TMessage>(
    BatchConsumerOptions options,
    KafkaTopology topology,
    KafkaConsumerFactory<byte[], byte[]> consumerFactory,
    IMessageReader<TMessage> reader,
    DeadLetterPublisher deadLetters,
    IServiceScopeFactory scopes,
    ILogger<BatchConsumerService<TMessage>> logger,
    Func<IConsumer<byte[], byte[]>, IConsumer<byte[], byte[]>>? decorateConsumer = null) : BackgroundService
{
    // decorateConsumer: wraps each new consumer (tests use it to make a commit fail); none by default.
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var instances = options.ResolveInstances(topology.Topic(options.Topic).Partitions);
        Log.Starting(logger, instances, options.Topic, options.GroupId);
        var loops = Enumerable.Range(1, instances)
            .Select(i => Task.Factory.StartNew(
                () => Run(i, stoppingToken),
                stoppingToken,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default))
            .ToArray();
        return Task.WhenAll(loops);
    }

    private void Run(int instance, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                new BatchConsumerLoop(options, instance, ProcessAsync, logger).Run(consumerFactory, decorateConsumer, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A fatal client error: start over with a fresh client, from the committed offsets.
                Log.ConsumerCrashed(logger, ex, options.Topic, instance);
                stoppingToken.WaitHandle.WaitOne(options.Backoff(3));
            }
        }
    }

    private async Task ProcessAsync(IReadOnlyList<ConsumeResult<byte[], byte[]>> records, CancellationToken cancellationToken)
    {
        using var activity = KafkaTracing.StartProcessBatch(records, options.Topic, options.GroupId);
        MessagingMetrics.RecordBatch(options.Topic, records.Count);
        var messages = new List<ConsumedMessage<TMessage>>(records.Count);
        foreach (var record in records)
        {
            if (ContractMessage.Is<LogMarker>(record.Message.Headers))
            {
                // Written by the API to learn where the log stands; nothing to process, but the commit passes it.
                continue;
            }
            TMessage message;
            try
            {
                message = reader.Read(record);
            }
            catch (InvalidMessageException ex)
            {
                await deadLetters.PublishAsync(record, options.GroupId, ex, cancellationToken);
                MessagingMetrics.RecordDeadLettered(options.Topic);
                Log.DeadLettered(logger, record.Topic, record.Partition.Value, record.Offset.Value, ex.Message);
                continue;
            }
            messages.Add(new ConsumedMessage<TMessage>(message, record.TopicPartitionOffset, record.Message.Headers ?? []));
        }
        while (messages.Count > 0)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var handler = scope.ServiceProvider.GetRequiredService<IBatchHandler<TMessage>>();
                var started = Stopwatch.GetTimestamp();
                await handler.HandleAsync(messages, cancellationToken);
                MessagingMetrics.RecordWrite(options.Topic, Stopwatch.GetElapsedTime(started));
                return;
            }
            catch (RejectedMessagesException ex) when (ex.Rejected.Count > 0)
            {
                // The handler wrote nothing; dead-letter what it named and run the rest again.
                foreach (var (position, reason) in ex.Rejected)
                {
                    var record = records.First(r => r.TopicPartitionOffset == position);
                    await deadLetters.PublishAsync(record, options.GroupId, new InvalidMessageException(reason), cancellationToken);
                    MessagingMetrics.RecordDeadLettered(options.Topic);
                    Log.DeadLettered(logger, record.Topic, record.Partition.Value, record.Offset.Value, reason);
                    messages.RemoveAll(m => m.Position == position);
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Starting {Instances} consumer(s) for {Topic} in group {GroupId}")]
        public static partial void Starting(ILogger logger, int instances, string topic, string groupId);

        [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Record {Topic}/{Partition}@{Offset} dead-lettered: {Reason}")]
        public static partial void DeadLettered(ILogger logger, string topic, int partition, long offset, string reason);

        [LoggerMessage(EventId = 2007, Level = LogLevel.Error, Message = "Consumer {Instance} of {Topic} stopped unexpectedly; restarting it")]
        public static partial void ConsumerCrashed(ILogger logger, Exception exception, string topic, int instance);
    }
}
