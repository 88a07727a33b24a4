namespace KafkaPractice.Kafka.Emulator.Wire;

/// <summary>One topic of a Metadata response: its name, its id (empty when the response carries none) and its error code.</summary>
internal readonly record struct MetadataTopic(string Name, Guid Id, short ErrorCode);

/// <summary>Reads the topics out of a Metadata response (versions 10-13, the ones that carry topic ids).</summary>
internal static class MetadataResponse
{
    public const short MinVersion = 10;
    public const short MaxVersion = 13;

    /// <summary>
    /// Every named topic in <paramref name="response"/> (the frame without its size). False for a
    /// version outside 10-13 or a response that does not parse: then nothing is known of its topics.
    /// </summary>
    public static bool TryReadTopics(ReadOnlySpan<byte> response, short version, out List<MetadataTopic> topics)
    {
        topics = [];
        if (version is < MinVersion or > MaxVersion)
        {
            return false;
        }
        try
        {
            var pos = 4; // correlation id
            KafkaWire.SkipTaggedFields(response, ref pos);
            pos += 4; // ThrottleTimeMs
            var brokers = KafkaWire.ReadArrayLength(response, ref pos, compact: true);
            for (var b = 0; b < brokers; b++)
            {
                pos += 4; // NodeId
                _ = KafkaWire.ReadCompactString(response, ref pos); // Host
                pos += 4; // Port
                _ = KafkaWire.ReadCompactString(response, ref pos); // Rack
                KafkaWire.SkipTaggedFields(response, ref pos);
            }
            _ = KafkaWire.ReadCompactString(response, ref pos); // ClusterId
            pos += 4; // ControllerId
            var count = KafkaWire.ReadArrayLength(response, ref pos, compact: true);
            for (var t = 0; t < count; t++)
            {
                var error = KafkaWire.ReadInt16(response, ref pos);
                var name = KafkaWire.ReadCompactString(response, ref pos);
                var id = new Guid(response.Slice(pos, 16), bigEndian: true);
                pos += 16 + 1; // TopicId, IsInternal
                var partitions = KafkaWire.ReadArrayLength(response, ref pos, compact: true);
                for (var p = 0; p < partitions; p++)
                {
                    pos += 2 + 4 + 4 + 4; // ErrorCode, PartitionIndex, LeaderId, LeaderEpoch
                    for (var list = 0; list < 3; list++)
                    {
                        // ReplicaNodes, IsrNodes, OfflineReplicas. (Not `pos += 4 * Read(ref pos)`: C# reads
                        // the left `pos` before the call moves it, which lost the length's own bytes.)
                        var nodes = KafkaWire.ReadArrayLength(response, ref pos, compact: true);
                        pos += 4 * Math.Max(0, nodes);
                    }
                    KafkaWire.SkipTaggedFields(response, ref pos);
                }
                pos += 4; // TopicAuthorizedOperations
                KafkaWire.SkipTaggedFields(response, ref pos);
                if (name.Length > 0)
                {
                    topics.Add(new MetadataTopic(name, id, error));
                }
            }
            return pos <= response.Length;
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or IndexOutOfRangeException or FormatException or ArgumentException)
        {
            return false;
        }
    }
}
