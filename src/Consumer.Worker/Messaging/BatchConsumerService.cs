using System.Diagnostics;
using Confluent.Kafka;
using KafkaPractice.ServiceDefaults.Kafka;
using KafkaPractice.ServiceDefaults.Messages;
using KafkaPractice.ServiceDefaults.Telemetry;

namespace KafkaPractice.Consumer.Worker.Messaging;

/// <summary>
/// Runs the consumers of one topic, each on its own thread with its own client, all in one group.
/// Each consumer loops: collect a batch, dead-letter the records that can never be processed,
/// hand the rest to the <see cref="IBatchHandler{TMessage}"/>, and only then commit the offsets.
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
    private BatchConsumerOptions Options => options;
    private ILogger Logger => logger;
    private KafkaConsumerFactory<byte[], byte[]> ConsumerFactory => consumerFactory;
    private readonly Func<IConsumer<byte[], byte[]>, IConsumer<byte[], byte[]>>? _decorateConsumer = decorateConsumer;

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
                new Loop(this, instance).Run(stoppingToken);
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

    /// <summary>One consumer and its batch; only ever touched from its own thread.</summary>
    private sealed class Loop(BatchConsumerService<TMessage> owner, int instance)
    {
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
        private static readonly TimeSpan CommitRetryInterval = TimeSpan.FromSeconds(1);
        private readonly List<ConsumeResult<byte[], byte[]>> _batch = [];
        // Offsets processed but not committed yet (the commit failed), per partition: retried until done or revoked.
        private readonly Dictionary<TopicPartition, long> _uncommitted = [];
        private DateTime _nextCommitRetry;
        private readonly BatchConsumerOptions _options = owner.Options;
        private readonly ILogger _logger = owner.Logger;
        private int _revocations;

        public void Run(CancellationToken stoppingToken)
        {
            var clientId = $"{Environment.MachineName}-{_options.GroupId}-{instance}";
            var created = owner.ConsumerFactory.Create(_options.GroupId, clientId, builder => builder
                .SetPartitionsAssignedHandler((_, partitions) => Log.Assigned(_logger, instance, string.Join(",", partitions.Select(p => p.Partition.Value))))
                .SetPartitionsRevokedHandler((_, partitions) => Abandon(partitions.Select(p => p.TopicPartition)))
                .SetPartitionsLostHandler((_, partitions) => Abandon(partitions.Select(p => p.TopicPartition))));
            using var consumer = owner._decorateConsumer?.Invoke(created) ?? created;
            consumer.Subscribe(_options.Topic);
            try
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    Fill(consumer, stoppingToken);
                    if (_batch.Count > 0)
                    {
                        ProcessWithRetry(consumer, stoppingToken);
                    }
                    else if (_uncommitted.Count > 0 && DateTime.UtcNow >= _nextCommitRetry)
                    {
                        CommitUncommitted(consumer);
                    }
                }
            }
            finally
            {
                // Leave the group now rather than after the session timeout, so the partitions move at once.
                consumer.Close();
            }
        }

        private void Abandon(IEnumerable<TopicPartition> partitions)
        {
            var lost = partitions.ToHashSet();
            var dropped = _batch.RemoveAll(r => lost.Contains(r.TopicPartition));
            // Not ours to commit any more: the new owner reads from the committed offset (and a late commit could move it back).
            foreach (var partition in lost)
            {
                _uncommitted.Remove(partition);
            }
            _revocations++;
            if (dropped > 0)
            {
                Log.BatchAbandoned(_logger, instance, dropped);
            }
        }

        private void Fill(IConsumer<byte[], byte[]> consumer, CancellationToken stoppingToken)
        {
            _batch.Clear();
            // A short poll, so a stop is noticed within PollInterval rather than after a long wait.
            var first = consumer.Consume(PollInterval);
            if (first is null || first.IsPartitionEOF)
            {
                return;
            }
            _batch.Add(first);
            var deadline = DateTime.UtcNow.AddMilliseconds(_options.MaxBatchWaitMs);
            var idle = TimeSpan.FromMilliseconds(Math.Max(0, _options.MaxBatchIdleMs));
            while (_batch.Count < _options.MaxBatchSize && !stoppingToken.IsCancellationRequested)
            {
                var remaining = deadline - DateTime.UtcNow;
                if (remaining <= TimeSpan.Zero)
                {
                    break;
                }
                // Records already fetched come back at once; past them, wait only the idle gap, so a
                // lull closes the batch instead of the window running out with nothing coming.
                var next = consumer.Consume(remaining < idle ? remaining : idle);
                if (next is null)
                {
                    break;
                }
                if (!next.IsPartitionEOF)
                {
                    _batch.Add(next);
                }
            }
        }

        private void ProcessWithRetry(IConsumer<byte[], byte[]> consumer, CancellationToken stoppingToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    WaitWithoutSpinning(owner.ProcessAsync(_batch, stoppingToken));
                    Commit(consumer);
                    MessagingMetrics.RecordConsumed(_options.Topic, _options.GroupId, _batch.Count);
                    return;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    MessagingMetrics.RecordFailed(_options.Topic, _options.GroupId, _batch.Count);
                    var delay = _options.Backoff(attempt);
                    // The exception itself only at Debug: database errors can quote the values they refused.
                    Log.BatchFailed(_logger, instance, _batch.Count, Positions(_batch), attempt, (long)delay.TotalMilliseconds, PiiRedaction.Describe(ex));
                    Log.BatchFailedDetail(_logger, ex, instance);
                    if (!WaitPaused(consumer, delay, stoppingToken))
                    {
                        return;
                    }
                }
            }
        }

        /// <summary>
        /// Blocks this consumer's thread until <paramref name="task"/> ends, without the spinning
        /// of <c>GetAwaiter().GetResult()</c>: the batch's database round trips take milliseconds,
        /// and a spinning thread only takes the CPU the database and the other consumers need.
        /// </summary>
        private static void WaitWithoutSpinning(Task task)
        {
            if (!task.IsCompleted)
            {
                using var done = new ManualResetEventSlim(false, spinCount: 0);
                task.GetAwaiter().UnsafeOnCompleted(done.Set);
                done.Wait();
            }
            task.GetAwaiter().GetResult();
        }

        /// <summary>Pauses every assigned partition for <paramref name="delay"/>, still polling so the group keeps us. False when the batch was revoked meanwhile.</summary>
        private bool WaitPaused(IConsumer<byte[], byte[]> consumer, TimeSpan delay, CancellationToken stoppingToken)
        {
            var revocationsBefore = _revocations;
            var paused = consumer.Assignment.ToList();
            consumer.Pause(paused);
            var until = DateTime.UtcNow + delay;
            try
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    var remaining = until - DateTime.UtcNow;
                    if (remaining <= TimeSpan.Zero)
                    {
                        break;
                    }
                    var unexpected = consumer.Consume(remaining < TimeSpan.FromMilliseconds(200) ? remaining : TimeSpan.FromMilliseconds(200));
                    if (unexpected is { IsPartitionEOF: false })
                    {
                        // Fetched before the pause took effect: read it again later rather than lose it.
                        consumer.Seek(unexpected.TopicPartitionOffset);
                    }
                    if (_revocations != revocationsBefore && _batch.Count == 0)
                    {
                        return false;
                    }
                }
                stoppingToken.ThrowIfCancellationRequested();
                return _batch.Count > 0;
            }
            finally
            {
                var stillAssigned = consumer.Assignment.ToHashSet();
                consumer.Resume(paused.Where(stillAssigned.Contains));
            }
        }

        /// <summary>Where a batch came from, e.g. <c>create_member[0]@12-15 create_member[2]@7-9</c>.</summary>
        private static string Positions(List<ConsumeResult<byte[], byte[]>> batch) => string.Join(" ", batch
            .GroupBy(r => r.TopicPartition)
            .OrderBy(g => g.Key.Partition.Value)
            .Select(g => $"{g.Key.Topic}[{g.Key.Partition.Value}]@{g.Min(r => r.Offset.Value)}-{g.Max(r => r.Offset.Value)}"));

        private void Commit(IConsumer<byte[], byte[]> consumer)
        {
            foreach (var partition in _batch.GroupBy(r => r.TopicPartition))
            {
                var next = partition.Max(r => r.Offset.Value) + 1;
                _uncommitted[partition.Key] = Math.Max(next, _uncommitted.GetValueOrDefault(partition.Key));
            }
            CommitUncommitted(consumer);
        }

        /// <summary>
        /// Commits every processed offset not committed yet. On failure they are kept: if the
        /// partitions moved, the revocation drops them (the new owner replays, which the idempotent
        /// handler absorbs); if they are still ours (the coordinator was away), the next turn retries.
        /// </summary>
        private void CommitUncommitted(IConsumer<byte[], byte[]> consumer)
        {
            var offsets = _uncommitted.Select(e => new TopicPartitionOffset(e.Key, e.Value)).ToList();
            try
            {
                consumer.Commit(offsets);
                _uncommitted.Clear();
            }
            catch (KafkaException ex)
            {
                _nextCommitRetry = DateTime.UtcNow + CommitRetryInterval;
                Log.CommitFailed(_logger, instance, ex.Error.Code, ex.Error.Reason);
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
            if (LogMarker.Is(record.Message.Headers))
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

        [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Consumer {Instance} assigned partitions [{Partitions}]")]
        public static partial void Assigned(ILogger logger, int instance, string partitions);

        [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Consumer {Instance} lost its partitions; dropped {Count} uncommitted record(s) for the new owner to read")]
        public static partial void BatchAbandoned(ILogger logger, int instance, int count);

        [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Consumer {Instance}: batch of {Count} ({Positions}) failed (attempt {Attempt}); partitions paused for {DelayMs} ms: {Error}")]
        public static partial void BatchFailed(ILogger logger, int instance, int count, string positions, int attempt, long delayMs, string error);

        [LoggerMessage(EventId = 2008, Level = LogLevel.Debug, Message = "Consumer {Instance}: the batch failure in full")]
        public static partial void BatchFailedDetail(ILogger logger, Exception exception, int instance);

        [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Consumer {Instance}: offset commit failed ({Code}: {Reason}); retried while the partitions are ours, else their new owner reads the batch again")]
        public static partial void CommitFailed(ILogger logger, int instance, ErrorCode code, string reason);

        [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Record {Topic}/{Partition}@{Offset} dead-lettered: {Reason}")]
        public static partial void DeadLettered(ILogger logger, string topic, int partition, long offset, string reason);

        [LoggerMessage(EventId = 2007, Level = LogLevel.Error, Message = "Consumer {Instance} of {Topic} stopped unexpectedly; restarting it")]
        public static partial void ConsumerCrashed(ILogger logger, Exception exception, string topic, int instance);
    }
}
