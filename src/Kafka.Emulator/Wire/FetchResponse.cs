namespace KafkaPractice.Kafka.Emulator.Wire;

/// <summary>
/// Reads a Fetch response (versions 0-16) far enough to tell whether it must go to the client now:
/// it carries an error or at least MinBytes of records.
/// </summary>
internal static class FetchResponse
{
    /// <summary>
    /// Reads the response (the frame without its size) to a Fetch request of <paramref name="version"/>.
    /// False when it does not parse.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> response, short version, out bool hasError, out long recordBytes)
    {
        hasError = false;
        recordBytes = 0;
        try
        {
            var flexible = version >= 12;
            var pos = 4; // correlation id
            if (flexible)
            {
                KafkaWire.SkipTaggedFields(response, ref pos);
            }
            if (version >= 1)
            {
                pos += 4; // ThrottleTimeMs
            }
            if (version >= 7)
            {
                hasError |= KafkaWire.ReadInt16(response, ref pos) != 0;
                pos += 4; // SessionId
            }
            var topics = KafkaWire.ReadArrayLength(response, ref pos, flexible);
            for (var t = 0; t < topics; t++)
            {
                if (version >= 13)
                {
                    pos += 16; // TopicId
                }
                else
                {
                    _ = KafkaWire.ReadString(response, ref pos, flexible);
                }
                var partitions = KafkaWire.ReadArrayLength(response, ref pos, flexible);
                for (var p = 0; p < partitions; p++)
                {
                    pos += 4; // PartitionIndex
                    hasError |= KafkaWire.ReadInt16(response, ref pos) != 0;
                    pos += 8 // HighWatermark
                        + (version >= 4 ? 8 : 0) // LastStableOffset
                        + (version >= 5 ? 8 : 0); // LogStartOffset
                    if (version >= 4)
                    {
                        var aborted = KafkaWire.ReadArrayLength(response, ref pos, flexible);
                        for (var a = 0; a < aborted; a++)
                        {
                            pos += 16; // ProducerId, FirstOffset
                            if (flexible)
                            {
                                KafkaWire.SkipTaggedFields(response, ref pos);
                            }
                        }
                    }
                    if (version >= 11)
                    {
                        hasError |= KafkaWire.ReadInt32(response, ref pos) >= 0; // PreferredReadReplica: the client must go elsewhere
                    }
                    recordBytes += KafkaWire.SkipBytes(response, ref pos, flexible);
                    if (flexible)
                    {
                        KafkaWire.SkipTaggedFields(response, ref pos);
                    }
                }
                if (flexible)
                {
                    KafkaWire.SkipTaggedFields(response, ref pos);
                }
            }
            return pos <= response.Length;
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or IndexOutOfRangeException or FormatException)
        {
            return false;
        }
    }
}
