using Confluent.Kafka;

namespace KafkaPractice.Consumer.Worker.Messaging;

/// <summary>
/// The offsets one consumer has processed and not yet committed, per partition. A failed commit
/// (e.g. the group coordinator is moving) keeps them, and they are retried on the next turns until
/// the commit succeeds or their partitions are revoked: if no further record arrives, nothing else
/// would ever move the committed offset to the end, and the API's settling and rebuilding wait for
/// exactly that. Only ever touched from its consumer's thread.
/// </summary>
internal sealed partial class OffsetCommitter(ILogger logger, int instance)
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);
    private readonly Dictionary<TopicPartition, long> _uncommitted = [];
    private DateTime _nextRetry;

    /// <summary>Whether a failed commit is waiting and its retry is due.</summary>
    public bool RetryDue => _uncommitted.Count > 0 && DateTime.UtcNow >= _nextRetry;

    /// <summary>Commits the offsets just past <paramref name="batch"/>, with any still uncommitted.</summary>
    public void Commit(IConsumer<byte[], byte[]> consumer, IEnumerable<ConsumeResult<byte[], byte[]>> batch)
    {
        foreach (var partition in batch.GroupBy(r => r.TopicPartition))
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
    public void CommitUncommitted(IConsumer<byte[], byte[]> consumer)
    {
        var offsets = _uncommitted.Select(e => new TopicPartitionOffset(e.Key, e.Value)).ToList();
        try
        {
            consumer.Commit(offsets);
            _uncommitted.Clear();
        }
        catch (KafkaException ex)
        {
            _nextRetry = DateTime.UtcNow + RetryInterval;
            Log.CommitFailed(logger, instance, ex.Error.Code, ex.Error.Reason);
        }
    }

    /// <summary>Not ours to commit any more: the new owner reads from the committed offset (and a late commit could move it back).</summary>
    public void Forget(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _uncommitted.Remove(partition);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Consumer {Instance}: offset commit failed ({Code}: {Reason}); retried while the partitions are ours, else their new owner reads the batch again")]
        public static partial void CommitFailed(ILogger logger, int instance, ErrorCode code, string reason);
    }
}
