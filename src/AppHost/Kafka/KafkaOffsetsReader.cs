using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace KafkaPractice.AppHost.Kafka;

/// <summary>
/// Reads, as any Kafka client would, each partition's end offset (high watermark) and each
/// consumer group's committed offsets. Works against any cluster; the dashboard view of
/// <c>kafka</c> uses it.
/// </summary>
internal sealed class KafkaOffsetsReader : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private readonly IAdminClient _admin;
    private readonly IConsumer<byte[], byte[]> _probe;

    public KafkaOffsetsReader(string bootstrap)
    {
        // Connection refusals while a broker is stopped on purpose are expected: keep them out of the log.
        _admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap, SocketTimeoutMs = 5000 })
            .SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        _probe = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "kafkapractice-apphost-offsets-probe",
            EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
    }

    /// <summary>The high watermark of each partition; partitions that did not answer in time are left out.</summary>
    public Dictionary<TopicPartition, long> EndOffsets(IEnumerable<TopicPartition> partitions)
    {
        var result = new Dictionary<TopicPartition, long>();
        foreach (var partition in partitions)
        {
            try
            {
                result[partition] = _probe.QueryWatermarkOffsets(partition, Timeout).High.Value;
            }
            catch (KafkaException)
            {
                // Leader moving or unreachable: shown as unknown until the next round.
            }
        }
        return result;
    }

    /// <summary>The offsets <paramref name="group"/> committed on <paramref name="partitions"/> (only those it committed).</summary>
    public async Task<Dictionary<TopicPartition, long>> CommittedOffsetsAsync(string group, IReadOnlyList<TopicPartition> partitions)
    {
        var result = new Dictionary<TopicPartition, long>();
        try
        {
            var answers = await _admin.ListConsumerGroupOffsetsAsync(
                [new ConsumerGroupTopicPartitions(group, [.. partitions])],
                new ListConsumerGroupOffsetsOptions { RequestTimeout = Timeout });
            foreach (var offset in answers.SelectMany(a => a.Partitions))
            {
                if (offset.Error.Code == ErrorCode.NoError && offset.Offset.Value >= 0)
                {
                    result[offset.TopicPartition] = offset.Offset.Value;
                }
            }
        }
        catch (KafkaException)
        {
            // Coordinator moving or unreachable: shown as unknown until the next round.
        }
        return result;
    }

    public void Dispose()
    {
        _probe.Close();
        _probe.Dispose();
        _admin.Dispose();
    }
}
