using Confluent.Kafka;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Kafka;

namespace KafkaPractice.Producer.Api.Coupons;

/// <summary>
/// Where <c>create_coupon</c> stands for the coupon consumer group, told by the log's order rather
/// than a clock: a marker record (<see cref="LogMarker"/>, acks=all) is appended behind the records
/// in question, and the group's committed offsets are watched until they pass it. The worker
/// commits only after its MySQL transaction, so then every record the leader took before the
/// marker on that partition is in MySQL (or in the dead-letter topic), or was truncated away and
/// never will be, however late it became visible (a timed-out produce can stay invisible until the
/// followers catch up or the ISR shrinks, up to <c>replica.lag.time.max.ms</c>).
/// </summary>
/// <remarks>
/// Markers go through the API's own producer (same partitioner, same acks). Committed offsets are
/// read with a consumer client of the group that never subscribes (so it never joins the group);
/// it only asks the group coordinator (registered in <see cref="CouponServiceExtensions"/>).
/// </remarks>
public sealed class KafkaCouponLog : ICouponLog
{
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(5);
    private readonly IProducer<string, byte[]> _producer;
    private readonly string _topic;
    private readonly IConsumer<Ignore, Ignore> _consumer;
    private readonly List<TopicPartition> _partitions;
    private readonly Lock _lock = new();

    public KafkaCouponLog(IProducer<string, byte[]> producer, IConsumer<Ignore, Ignore> groupOffsets, KafkaTopology topology)
    {
        _producer = producer;
        var topic = topology.Topic(KafkaTopology.CreateCoupon);
        _topic = topic.Name;
        _partitions = Enumerable.Range(0, topic.Partitions).Select(p => new TopicPartition(topic.Name, p)).ToList();
        _consumer = groupOffsets;
    }

    public async Task<IReadOnlyList<TopicPartitionOffset>> MarkAsync(IReadOnlyCollection<string> recordKeys)
    {
        var results = await Task.WhenAll(recordKeys.Distinct(StringComparer.Ordinal)
            .Select(key => _producer.SendAsync(_topic, key, new LogMarker("settle-coupon-request"))));
        return PastEach(results);
    }

    public async Task<IReadOnlyList<TopicPartitionOffset>> MarkEveryPartitionAsync()
    {
        var results = await Task.WhenAll(_partitions
            .Select(tp => _producer.SendAsync(tp, "rebuild", new LogMarker("rebuild-campaign-stock"))));
        return PastEach(results);
    }

    /// <summary>Per partition, the offset just past its last marker: the committed offset that proves the group processed it.</summary>
    private static List<TopicPartitionOffset> PastEach(IEnumerable<DeliveryResult<string, byte[]>> results) => results
        .GroupBy(r => r.TopicPartition)
        .Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1))
        .ToList();

    /// <summary>What the last wait saw lagging, for the log when it gives up.</summary>
    public string? LastLag { get; private set; }

    /// <summary>True once the group's committed offset reaches <paramref name="ends"/> on every partition; false at the timeout.</summary>
    public async Task<bool> WaitForCommittedAsync(IReadOnlyList<TopicPartitionOffset> positions, TimeSpan timeout, CancellationToken cancellationToken)
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
                        return _consumer.Committed(_partitions, QueryTimeout);
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
            var behind = positions.Where(end => end.Offset.Value > 0
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
}
