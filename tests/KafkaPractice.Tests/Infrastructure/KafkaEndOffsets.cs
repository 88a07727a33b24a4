using Confluent.Kafka;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Coupons;

namespace KafkaPractice.Tests.Infrastructure;

/// <summary>How many records topics hold, from outside the system: it grows by one for every record written.</summary>
internal static class KafkaEndOffsets
{
    /// <summary>The worker's consumer groups and the topic each reads.</summary>
    public static readonly (string Topic, string Group)[] WorkerGroups =
    [
        (KafkaTopology.CreateMember, "member-registrations"),
        (KafkaTopology.CreateCoupon, CouponRequested.DefaultConsumerGroup),
    ];

    /// <summary>The sum of the high watermarks of every partition of <paramref name="topics"/>.</summary>
    public static long Sum(string kafka, params string[] topics)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka }).Build();
        using var probe = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = kafka, GroupId = $"end-offsets-probe-{Guid.NewGuid():N}" }).Build();
        return topics.Sum(topic => admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions
            .Sum(p => probe.QueryWatermarkOffsets(new TopicPartition(topic, p.PartitionId), TimeSpan.FromSeconds(10)).High.Value));
    }

    /// <summary>
    /// The lag of <paramref name="group"/> on <paramref name="topic"/>, as an operator measures it: the
    /// sum over the partitions of high watermark minus committed offset (the low watermark when
    /// nothing is committed).
    /// </summary>
    public static long Lag(string kafka, string topic, string group)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka }).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions
            .Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        // A consumer that never subscribes only reads the group's offsets; it does not join the group.
        using var probe = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = kafka, GroupId = group, EnableAutoCommit = false }).Build();
        var committed = probe.Committed(partitions, TimeSpan.FromSeconds(10));
        return committed.Sum(c =>
        {
            var marks = probe.QueryWatermarkOffsets(c.TopicPartition, TimeSpan.FromSeconds(10));
            var from = c.Offset == Offset.Unset ? marks.Low.Value : c.Offset.Value;
            return Math.Max(0, marks.High.Value - from);
        });
    }

    /// <summary>
    /// Waits until the worker has committed every record of its topics: whatever it was going to
    /// write (rows, dead letters) is written. Returns false if that did not happen within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<bool> WaitForWorkerCaughtUpAsync(string kafka, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (WorkerGroups.Any(g => Lag(kafka, g.Topic, g.Group) > 0))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(200);
        }
        return true;
    }

    /// <summary>The high watermark of every partition of <paramref name="topic"/>, by partition.</summary>
    public static Dictionary<int, long> HighWatermarks(string kafka, string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka }).Build();
        using var probe = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = kafka, GroupId = $"end-offsets-probe-{Guid.NewGuid():N}" }).Build();
        return admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.ToDictionary(
            p => p.PartitionId,
            p => probe.QueryWatermarkOffsets(new TopicPartition(topic, p.PartitionId), TimeSpan.FromSeconds(10)).High.Value);
    }

    /// <summary>The offsets <paramref name="group"/> has committed on <paramref name="topic"/>, by partition (-1: none).</summary>
    public static Dictionary<int, long> Committed(string kafka, string topic, string group)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka }).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions
            .Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        using var probe = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = kafka, GroupId = group, EnableAutoCommit = false }).Build();
        return probe.Committed(partitions, TimeSpan.FromSeconds(10))
            .ToDictionary(c => c.Partition.Value, c => c.Offset == Offset.Unset ? -1 : c.Offset.Value);
    }
}
