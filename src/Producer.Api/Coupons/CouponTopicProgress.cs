using Confluent.Kafka;
using KafkaPractice.ServiceDefaults.Kafka;

namespace KafkaPractice.Producer.Api.Coupons;

/// <summary>
/// How far the coupon consumer group has got on <c>create_coupon</c>: the topic's end offsets
/// (high watermarks) and the group's committed offsets. The worker commits only after its MySQL
/// transaction, so once the committed offsets reach end offsets read at time T, every record
/// produced before T is in MySQL (or in the dead-letter topic).
/// </summary>
/// <remarks>
/// Uses a consumer client that never subscribes (so it never joins the group); it only asks the
/// group coordinator for committed offsets and the partition leaders for watermarks.
/// </remarks>
public sealed class CouponTopicProgress : IDisposable
{
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(5);
    private readonly Lazy<IConsumer<Ignore, Ignore>> _consumer;
    private readonly List<TopicPartition> _partitions;
    private readonly Lock _lock = new();

    public CouponTopicProgress(KafkaProducerSettings producerSettings, KafkaTopology topology, CouponOptions options)
    {
        var topic = topology.Topic(KafkaTopology.CreateCoupon);
        _partitions = Enumerable.Range(0, topic.Partitions).Select(p => new TopicPartition(topic.Name, p)).ToList();
        _consumer = new Lazy<IConsumer<Ignore, Ignore>>(() => new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = producerSettings.BootstrapServers,
            GroupId = options.ConsumerGroup,
            ClientId = "producer-api-coupon-progress",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
        }).Build());
    }

    /// <summary>What the last wait saw lagging, for the log when it gives up.</summary>
    public string? LastLag { get; private set; }

    public Task<IReadOnlyList<TopicPartitionOffset>> EndOffsetsAsync() => Task.Run(() =>
    {
        lock (_lock)
        {
            return (IReadOnlyList<TopicPartitionOffset>)_partitions
                .Select(tp => new TopicPartitionOffset(tp, _consumer.Value.QueryWatermarkOffsets(tp, QueryTimeout).High))
                .ToList();
        }
    });

    /// <summary>True once the group's committed offset reaches <paramref name="ends"/> on every partition; false at the timeout.</summary>
    public async Task<bool> WaitForCommittedAsync(IReadOnlyList<TopicPartitionOffset> ends, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            List<TopicPartitionOffset> committed;
            try
            {
                committed = await Task.Run(() =>
                {
                    lock (_lock)
                    {
                        return _consumer.Value.Committed(_partitions, QueryTimeout);
                    }
                }, cancellationToken);
            }
            catch (KafkaException ex) when (DateTime.UtcNow < deadline)
            {
                // The coordinator moved or is still loading: ask again.
                LastLag = ex.Error.Reason;
                await Task.Delay(200, cancellationToken);
                continue;
            }
            var behind = ends.Where(end => end.Offset.Value > 0
                && !committed.Any(c => c.TopicPartition == end.TopicPartition && c.Offset.Value >= end.Offset.Value)).ToList();
            if (behind.Count == 0)
            {
                return true;
            }
            LastLag = string.Join(", ", behind.Select(end =>
                $"[{end.Partition.Value}] end {end.Offset.Value}, committed {committed.FirstOrDefault(c => c.TopicPartition == end.TopicPartition)?.Offset.Value}"));
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    public void Dispose()
    {
        if (_consumer.IsValueCreated)
        {
            _consumer.Value.Dispose();
        }
    }
}
