using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// Reads, as any Kafka client would, each partition's end offset (high watermark) and each
/// consumer group's committed offsets, for <c>GET /offsets</c> (the AppHost's dashboard view).
/// It talks to the mock's own listeners, not through the forwarders, so a fault injected there
/// (a stopped forwarder, lost answers) never leaves its requests hanging.
/// </summary>
internal sealed class OffsetsReader : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);
    private readonly IAdminClient _admin;

    public OffsetsReader(string bootstrap)
    {
        // Connection refusals while a broker is stopped on purpose are expected: keep them out of the log.
        // Leaders move when a broker stops and starts: with librdkafka's default 5 min metadata refresh a
        // long-lived client keeps asking the old leader, whose answer can be a stale end offset.
        _admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap, SocketTimeoutMs = 5000, TopicMetadataRefreshIntervalMs = 1000 })
            .SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
    }

    /// <summary>The high watermark of each partition; partitions that did not answer in time are left out.</summary>
    /// <remarks>
    /// Asked with ListOffsets through the admin client, which looks leaders up afresh: a consumer's
    /// QueryWatermarkOffsets keeps asking a stopped leader for the partitions it led.
    /// </remarks>
    public async Task<Dictionary<TopicPartition, long>> EndOffsetsAsync(IEnumerable<TopicPartition> partitions)
    {
        var result = new Dictionary<TopicPartition, long>();
        try
        {
            var answer = await _admin.ListOffsetsAsync(
                partitions.Select(p => new TopicPartitionOffsetSpec { TopicPartition = p, OffsetSpec = OffsetSpec.Latest() }),
                new ListOffsetsOptions { RequestTimeout = Timeout });
            foreach (var info in answer.ResultInfos.Where(i => i.TopicPartitionOffsetError.Error.Code == ErrorCode.NoError && i.TopicPartitionOffsetError.Offset.Value >= 0))
            {
                result[info.TopicPartitionOffsetError.TopicPartition] = info.TopicPartitionOffsetError.Offset.Value;
            }
        }
        catch (ListOffsetsException ex)
        {
            foreach (var info in ex.Result.ResultInfos.Where(i => i.TopicPartitionOffsetError.Error.Code == ErrorCode.NoError && i.TopicPartitionOffsetError.Offset.Value >= 0))
            {
                result[info.TopicPartitionOffsetError.TopicPartition] = info.TopicPartitionOffsetError.Offset.Value;
            }
        }
        catch (KafkaException)
        {
            // Leaders moving or unreachable: shown as last seen until the next round.
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
        _admin.Dispose();
    }
}
