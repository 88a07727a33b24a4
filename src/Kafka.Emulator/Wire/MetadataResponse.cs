namespace KafkaPractice.Kafka.Emulator.Wire;

/// <summary>Reads the topic names and ids out of a Metadata response (versions 10-13, the ones that carry topic ids).</summary>
internal static class MetadataResponse
{
    public const short MinVersion = 10;
    public const short MaxVersion = 13;

    /// <summary>The (id, name) of every named topic in <paramref name="response"/> (the frame without its size); empty when it does not parse.</summary>
    public static List<(Guid Id, string Name)> TopicIds(ReadOnlySpan<byte> response, short version)
    {
        var topics = new List<(Guid, string)>();
        if (version is < MinVersion or > MaxVersion)
        {
            return topics;
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
                pos += 2; // ErrorCode
                var name = KafkaWire.ReadCompactString(response, ref pos);
                var id = new Guid(response.Slice(pos, 16), bigEndian: true);
                pos += 16 + 1; // TopicId, IsInternal
                var partitions = KafkaWire.ReadArrayLength(response, ref pos, compact: true);
                for (var p = 0; p < partitions; p++)
                {
                    pos += 2 + 4 + 4 + 4; // ErrorCode, PartitionIndex, LeaderId, LeaderEpoch
                    for (var list = 0; list < 3; list++)
                    {
                        // ReplicaNodes, IsrNodes, OfflineReplicas
                        pos += 4 * Math.Max(0, KafkaWire.ReadArrayLength(response, ref pos, compact: true));
                    }
                    KafkaWire.SkipTaggedFields(response, ref pos);
                }
                pos += 4; // TopicAuthorizedOperations
                KafkaWire.SkipTaggedFields(response, ref pos);
                if (name.Length > 0 && id != Guid.Empty)
                {
                    topics.Add((id, name));
                }
            }
            return pos <= response.Length ? topics : [];
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or IndexOutOfRangeException or FormatException or ArgumentException)
        {
            return [];
        }
    }
}
