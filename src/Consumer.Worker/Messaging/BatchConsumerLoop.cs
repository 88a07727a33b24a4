using Confluent.Kafka;
using KafkaPractice.Messaging.Kafka;
using KafkaPractice.Messaging.Kafka.Client;
using KafkaPractice.ServiceDefaults.Telemetry;

namespace KafkaPractice.Consumer.Worker.Messaging;

/// <summary>
/// One consumer of a <see cref="BatchConsumerService{TMessage}"/> and its batch: poll until a batch
/// is full or the stream pauses, process it (retried with back-off while the partitions are
/// paused), then commit (<see cref="OffsetCommitter"/>). Only ever touched from its own thread.
/// </summary>
internal sealed partial class BatchConsumerLoop(
    BatchConsumerOptions options,
    int instance,
    Func<IReadOnlyList<ConsumeResult<byte[], byte[]>>, CancellationToken, Task> process,
    ILogger logger)
{
    /// <summary>
    /// How long an idle consumer waits in <c>Consume</c> before looking at the stop token again. A
    /// record ends the wait at once, so this bounds only how soon a stop is noticed; each return costs
    /// CPU, and six loops at 100 ms were the largest share of the worker at rest (docs/performance.md,
    /// "Idle, thread by thread").
    /// </summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private readonly List<ConsumeResult<byte[], byte[]>> _batch = [];
    private readonly OffsetCommitter _offsets = new(logger, instance);
    private int _revocations;

    public void Run(KafkaConsumerFactory<byte[], byte[]> factory, Func<IConsumer<byte[], byte[]>, IConsumer<byte[], byte[]>>? decorate, CancellationToken stoppingToken)
    {
        var clientId = $"{Environment.MachineName}-{options.GroupId}-{instance}";
        var created = factory.Create(options.GroupId, clientId, builder => builder
            .SetPartitionsAssignedHandler((_, partitions) => Log.Assigned(logger, instance, options.GroupId, Partitions(partitions.Select(p => p.Partition))))
            .SetPartitionsRevokedHandler((_, partitions) => Abandon(partitions.Select(p => p.TopicPartition)))
            .SetPartitionsLostHandler((_, partitions) => Abandon(partitions.Select(p => p.TopicPartition))));
        using var consumer = decorate?.Invoke(created) ?? created;
        consumer.Subscribe(options.Topic);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Fill(consumer, stoppingToken);
                if (_batch.Count > 0)
                {
                    ProcessWithRetry(consumer, stoppingToken);
                }
                else if (_offsets.RetryDue)
                {
                    _offsets.CommitUncommitted(consumer);
                }
            }
        }
        finally
        {
            // Leave the group now rather than after the session timeout, so the partitions move at once.
            consumer.Close();
        }
    }

    private static string Partitions(IEnumerable<Partition> partitions) => string.Join(",", partitions.Select(p => p.Value));

    /// <summary>Partitions revoked or lost: their uncommitted records are the new owner's to read.</summary>
    private void Abandon(IEnumerable<TopicPartition> partitions)
    {
        var lost = partitions.ToHashSet();
        Log.Revoked(logger, instance, options.GroupId, Partitions(lost.Select(p => p.Partition)));
        var dropped = _batch.RemoveAll(r => lost.Contains(r.TopicPartition));
        _offsets.Forget(lost);
        _revocations++;
        if (dropped > 0)
        {
            Log.BatchAbandoned(logger, instance, dropped);
        }
    }

    private void Fill(IConsumer<byte[], byte[]> consumer, CancellationToken stoppingToken)
    {
        _batch.Clear();
        // A bounded poll, so a stop is noticed within PollInterval rather than after a long wait.
        var first = consumer.Consume(PollInterval);
        if (first is null || first.IsPartitionEOF)
        {
            return;
        }
        _batch.Add(first);
        var deadline = DateTime.UtcNow.AddMilliseconds(options.MaxBatchWaitMs);
        var idle = TimeSpan.FromMilliseconds(Math.Max(0, options.MaxBatchIdleMs));
        while (_batch.Count < options.MaxBatchSize && !stoppingToken.IsCancellationRequested)
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
                WaitWithoutSpinning(process(_batch, stoppingToken));
                _offsets.Commit(consumer, _batch);
                MessagingMetrics.RecordConsumed(options.Topic, options.GroupId, _batch.Count);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                MessagingMetrics.RecordFailed(options.Topic, options.GroupId, _batch.Count);
                var delay = options.Backoff(attempt);
                // The exception itself only at Debug: database errors can quote the values they refused.
                Log.BatchFailed(logger, instance, _batch.Count, Positions(_batch), attempt, (long)delay.TotalMilliseconds, PiiRedaction.Describe(ex));
                Log.BatchFailedDetail(logger, ex, instance);
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

    private static partial class Log
    {
        // Assignments and revocations name the group: the worker runs one set of consumers per group,
        // numbered from 1 in each, and a rebalance of one is told apart from the other's by it.
        [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Consumer {Instance} of {Group} assigned partitions [{Partitions}]")]
        public static partial void Assigned(ILogger logger, int instance, string group, string partitions);

        [LoggerMessage(EventId = 2009, Level = LogLevel.Information, Message = "Consumer {Instance} of {Group} gave up partitions [{Partitions}]")]
        public static partial void Revoked(ILogger logger, int instance, string group, string partitions);

        [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Consumer {Instance} lost its partitions; dropped {Count} uncommitted record(s) for the new owner to read")]
        public static partial void BatchAbandoned(ILogger logger, int instance, int count);

        [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Consumer {Instance}: batch of {Count} ({Positions}) failed (attempt {Attempt}); partitions paused for {DelayMs} ms: {Error}")]
        public static partial void BatchFailed(ILogger logger, int instance, int count, string positions, int attempt, long delayMs, string error);

        [LoggerMessage(EventId = 2008, Level = LogLevel.Debug, Message = "Consumer {Instance}: the batch failure in full")]
        public static partial void BatchFailedDetail(ILogger logger, Exception exception, int instance);
    }
}
