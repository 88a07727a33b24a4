using Confluent.Kafka;

namespace KafkaPractice.Tests.Infrastructure;

/// <summary>How many records topics hold, from outside the system: it grows by one for every record written.</summary>
internal static class KafkaEndOffsets
{
    /// <summary>The sum of the high watermarks of every partition of <paramref name="topics"/>.</summary>
    public static long Sum(string kafka, params string[] topics)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka }).Build();
        using var probe = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = kafka, GroupId = $"end-offsets-probe-{Guid.NewGuid():N}" }).Build();
        return topics.Sum(topic => admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions
            .Sum(p => probe.QueryWatermarkOffsets(new TopicPartition(topic, p.PartitionId), TimeSpan.FromSeconds(10)).High.Value));
    }
}
