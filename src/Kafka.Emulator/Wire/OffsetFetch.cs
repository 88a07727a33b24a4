using System.Buffers.Binary;

namespace KafkaPractice.Kafka.Emulator.Wire;

/// <summary>
/// OffsetFetch v1 (offsets stored in Kafka): the request a group's committed offsets are
/// read with, and its response. Written by hand because the emulator asks its own mock brokers
/// directly, without librdkafka's admin client (see <see cref="OffsetsReader"/>).
/// </summary>
/// <remarks>
/// Request (header v1): api_key INT16, api_version INT16, correlation_id INT32, client_id STRING;
/// body: group_id STRING, topics ARRAY[name STRING, partition_indexes ARRAY[INT32]].
/// Response (header v0): correlation_id INT32; body: topics ARRAY[name STRING,
/// partitions ARRAY[partition_index INT32, committed_offset INT64, metadata NULLABLE_STRING, error_code INT16]].
/// </remarks>
internal static class OffsetFetch
{
    public const short ApiKey = 9;
    public const short Version = 1;
    private const string ClientId = "kafka-emulator-offsets";

    /// <summary>One answered partition: the committed offset (-1 when the group committed none) and its error code.</summary>
    public readonly record struct Answer(string Topic, int Partition, long Offset, short ErrorCode);

    /// <summary>The whole frame, size prefix included.</summary>
    public static byte[] Request(int correlationId, string group, IEnumerable<IGrouping<string, int>> topics) =>
        KafkaWire.Request(ApiKey, Version, correlationId, ClientId, body =>
        {
            KafkaWire.WriteString(body, group);
            var list = topics.ToList();
            KafkaWire.WriteInt32(body, list.Count);
            foreach (var topic in list)
            {
                KafkaWire.WriteString(body, topic.Key);
                var partitions = topic.ToList();
                KafkaWire.WriteInt32(body, partitions.Count);
                foreach (var partition in partitions)
                {
                    KafkaWire.WriteInt32(body, partition);
                }
            }
        });

    /// <summary>Reads a response frame (without its size prefix); throws <see cref="FormatException"/> when it is not one.</summary>
    public static List<Answer> ReadResponse(ReadOnlySpan<byte> response, out int correlationId)
    {
        var pos = 0;
        try
        {
            correlationId = KafkaWire.ReadInt32(response, ref pos);
            var answers = new List<Answer>();
            var topics = KafkaWire.ReadInt32(response, ref pos);
            for (var t = 0; t < topics; t++)
            {
                var topic = KafkaWire.ReadString(response, ref pos);
                var partitions = KafkaWire.ReadInt32(response, ref pos);
                for (var p = 0; p < partitions; p++)
                {
                    var partition = KafkaWire.ReadInt32(response, ref pos);
                    var offset = BinaryPrimitives.ReadInt64BigEndian(response[pos..]);
                    pos += 8;
                    KafkaWire.ReadString(response, ref pos); // metadata
                    var error = KafkaWire.ReadInt16(response, ref pos);
                    answers.Add(new Answer(topic, partition, offset, error));
                }
            }
            return answers;
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new FormatException("OffsetFetch response ends early.", ex);
        }
    }
}
