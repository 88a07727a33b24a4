using System.Buffers.Binary;

namespace KafkaPractice.Kafka.Emulator.Wire;

/// <summary>Reads the acks and the partitions written out of a Produce request (versions 0-10).</summary>
internal static class ProduceRequest
{
    public static bool TryRead(ReadOnlySpan<byte> request, out short acks, out List<(string Topic, int Partition)> partitions)
    {
        acks = -1;
        partitions = [];
        if (request.Length < 10)
        {
            return false;
        }
        var version = BinaryPrimitives.ReadInt16BigEndian(request[2..]);
        if (version is < 0 or > 10)
        {
            return false;
        }
        try
        {
            var flexible = version >= 9;
            var pos = KafkaWire.SkipRequestHeader(request, flexible);
            if (version >= 3)
            {
                _ = KafkaWire.ReadString(request, ref pos, flexible); // TransactionalId
            }
            acks = KafkaWire.ReadInt16(request, ref pos);
            pos += 4; // TimeoutMs
            var topics = KafkaWire.ReadArrayLength(request, ref pos, flexible);
            for (var t = 0; t < topics; t++)
            {
                var topic = KafkaWire.ReadString(request, ref pos, flexible);
                var count = KafkaWire.ReadArrayLength(request, ref pos, flexible);
                for (var p = 0; p < count; p++)
                {
                    partitions.Add((topic, KafkaWire.ReadInt32(request, ref pos)));
                    _ = KafkaWire.SkipBytes(request, ref pos, flexible);
                    if (flexible)
                    {
                        KafkaWire.SkipTaggedFields(request, ref pos);
                    }
                }
                if (flexible)
                {
                    KafkaWire.SkipTaggedFields(request, ref pos);
                }
            }
            return pos <= request.Length;
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or IndexOutOfRangeException or FormatException)
        {
            return false;
        }
    }
}
