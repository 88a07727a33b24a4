using Confluent.Kafka;

namespace KafkaPractice.Consumer.Worker.Messaging;

/// <summary>A record that was read into a message, with where it came from.</summary>
public sealed record ConsumedMessage<TMessage>(TMessage Message, TopicPartitionOffset Position, Headers Headers);

/// <summary>
/// Processes one batch as a unit (typically one database transaction). It must be idempotent:
/// after a crash or a rebalance the same records come again. Any exception is taken as
/// transient: the batch is retried after a back-off, never skipped.
/// </summary>
public interface IBatchHandler<TMessage>
{
    Task HandleAsync(IReadOnlyList<ConsumedMessage<TMessage>> batch, CancellationToken cancellationToken);
}

/// <summary>
/// Thrown by a handler, before it commits anything, when some records of the batch can never be
/// processed for a reason only the database knows (e.g. they refer to rows that do not exist).
/// The consumer dead-letters exactly those records and hands the rest to the handler again.
/// </summary>
public sealed class RejectedMessagesException(IReadOnlyList<(TopicPartitionOffset Position, string Reason)> rejected)
    : Exception($"{rejected.Count} record(s) can never be processed.")
{
    public IReadOnlyList<(TopicPartitionOffset Position, string Reason)> Rejected { get; } = rejected;
}

/// <summary>Reads a record; throws <see cref="KafkaPractice.Messaging.InvalidMessageException"/> for a record that can never be processed.</summary>
public interface IMessageReader<TMessage>
{
    TMessage Read(ConsumeResult<byte[], byte[]> record);
}

public sealed class BatchConsumerOptions
{
    /// <summary>The section every consumer reads first; each topic's own section (e.g. <c>Consumers:Members</c>) then wins.</summary>
    public const string SectionName = "Consumers";

    /// <summary>The topic to read; its partition count sets the default number of consumers.</summary>
    public string Topic { get; set; } = "";

    public string GroupId { get; set; } = "";

    /// <summary>
    /// Consumers in this process. Default: the topic's partitions divided by
    /// <see cref="Replicas"/> (rounded up), so the group as a whole has one consumer per partition.
    /// </summary>
    public int? Instances { get; set; }

    /// <summary>How many worker processes share the group (set by the AppHost when it runs several).</summary>
    public int Replicas { get; set; } = 1;

    public int MaxBatchSize { get; set; } = 500;

    /// <summary>How long a batch waits to fill after its first record: a little latency for far fewer transactions.</summary>
    public int MaxBatchWaitMs { get; set; } = 50;

    /// <summary>
    /// A batch is also closed when no further record arrives within this long. The default, 0,
    /// closes it as soon as nothing more is buffered locally: the batch is what the client has
    /// already fetched, and the records that arrive while it is written make the next one, so
    /// batches grow with the load (a backlog still fills them to <see cref="MaxBatchSize"/>) and a
    /// record that comes alone is written at once. A few milliseconds here trade that latency for
    /// fewer transactions at moderate rates.
    /// </summary>
    public int MaxBatchIdleMs { get; set; }

    public int InitialBackoffMs { get; set; } = 500;

    public int MaxBackoffMs { get; set; } = 30_000;

    public int ResolveInstances(int partitions) =>
        Instances is > 0 ? Instances.Value : Math.Max(1, (int)Math.Ceiling(partitions / (double)Math.Max(1, Replicas)));

    public TimeSpan Backoff(int attempt)
    {
        var ms = InitialBackoffMs * Math.Pow(2, Math.Min(attempt - 1, 16));
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxBackoffMs));
    }
}
