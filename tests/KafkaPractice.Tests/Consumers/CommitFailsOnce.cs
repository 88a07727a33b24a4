using Confluent.Kafka;

namespace KafkaPractice.Tests.Consumers;

/// <summary>A consumer that behaves like the one it wraps, except that a commit <paramref name="shouldFail"/> picks throws (a coordinator gone away).</summary>
internal sealed class CommitFailsOnce(IConsumer<byte[], byte[]> inner, Func<IReadOnlyList<TopicPartitionOffset>, bool> shouldFail) : IConsumer<byte[], byte[]>
{
    public void Commit(IEnumerable<TopicPartitionOffset> offsets)
    {
        var list = offsets.ToList();
        if (shouldFail(list))
        {
            throw new KafkaException(ErrorCode.NotCoordinatorForGroup);
        }
        inner.Commit(list);
    }

    public Handle Handle => inner.Handle;
    public string Name => inner.Name;
    public string MemberId => inner.MemberId;
    public List<TopicPartition> Assignment => inner.Assignment;
    public List<string> Subscription => inner.Subscription;
    public IConsumerGroupMetadata ConsumerGroupMetadata => inner.ConsumerGroupMetadata;
    public int AddBrokers(string brokers) => inner.AddBrokers(brokers);
    public void SetSaslCredentials(string username, string password) => inner.SetSaslCredentials(username, password);
    public ConsumeResult<byte[], byte[]> Consume(int millisecondsTimeout) => inner.Consume(millisecondsTimeout);
    public ConsumeResult<byte[], byte[]> Consume(CancellationToken cancellationToken = default) => inner.Consume(cancellationToken);
    public ConsumeResult<byte[], byte[]> Consume(TimeSpan timeout) => inner.Consume(timeout);
    public void Subscribe(IEnumerable<string> topics) => inner.Subscribe(topics);
    public void Subscribe(string topic) => inner.Subscribe(topic);
    public void Unsubscribe() => inner.Unsubscribe();
    public void Assign(TopicPartition partition) => inner.Assign(partition);
    public void Assign(TopicPartitionOffset partition) => inner.Assign(partition);
    public void Assign(IEnumerable<TopicPartitionOffset> partitions) => inner.Assign(partitions);
    public void Assign(IEnumerable<TopicPartition> partitions) => inner.Assign(partitions);
    public void IncrementalAssign(IEnumerable<TopicPartitionOffset> partitions) => inner.IncrementalAssign(partitions);
    public void IncrementalAssign(IEnumerable<TopicPartition> partitions) => inner.IncrementalAssign(partitions);
    public void IncrementalUnassign(IEnumerable<TopicPartition> partitions) => inner.IncrementalUnassign(partitions);
    public void Unassign() => inner.Unassign();
    public void StoreOffset(ConsumeResult<byte[], byte[]> result) => inner.StoreOffset(result);
    public void StoreOffset(TopicPartitionOffset offset) => inner.StoreOffset(offset);
    public List<TopicPartitionOffset> Commit() => inner.Commit();
    public void Commit(ConsumeResult<byte[], byte[]> result) => Commit([result.TopicPartitionOffset]);
    public void Seek(TopicPartitionOffset tpo) => inner.Seek(tpo);
    public void Pause(IEnumerable<TopicPartition> partitions) => inner.Pause(partitions);
    public void Resume(IEnumerable<TopicPartition> partitions) => inner.Resume(partitions);
    public List<TopicPartitionOffset> Committed(TimeSpan timeout) => inner.Committed(timeout);
    public List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout) => inner.Committed(partitions, timeout);
    public Offset Position(TopicPartition partition) => inner.Position(partition);
    public List<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, TimeSpan timeout) => inner.OffsetsForTimes(timestampsToSearch, timeout);
    public WatermarkOffsets GetWatermarkOffsets(TopicPartition topicPartition) => inner.GetWatermarkOffsets(topicPartition);
    public WatermarkOffsets QueryWatermarkOffsets(TopicPartition topicPartition, TimeSpan timeout) => inner.QueryWatermarkOffsets(topicPartition, timeout);
    public void Close() => inner.Close();
    public void Dispose() => inner.Dispose();
}
