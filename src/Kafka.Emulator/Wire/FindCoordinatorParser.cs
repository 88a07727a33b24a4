using System.Buffers.Binary;

namespace KafkaPractice.Kafka.Emulator.Wire;

/// <summary>Reads the coordinator key out of a FindCoordinator request (versions 0-4).</summary>
internal static class FindCoordinatorParser
{
    public static bool TryParse(ReadOnlySpan<byte> request, out int keyType, out string key)
    {
        keyType = 0;
        key = "";
        var version = BinaryPrimitives.ReadInt16BigEndian(request[2..]);
        var pos = 8; // api key, api version, correlation id
        var clientIdLength = BinaryPrimitives.ReadInt16BigEndian(request[pos..]);
        pos += 2 + Math.Max((short)0, clientIdLength);
        var flexible = version >= 3;
        if (flexible)
        {
            KafkaWire.SkipTaggedFields(request, ref pos);
        }
        switch (version)
        {
            case 0:
                key = KafkaWire.ReadString(request, ref pos);
                return key.Length > 0;
            case 1 or 2:
                key = KafkaWire.ReadString(request, ref pos);
                keyType = request[pos];
                return key.Length > 0;
            case 3:
                key = KafkaWire.ReadCompactString(request, ref pos);
                keyType = request[pos];
                return key.Length > 0;
            default:
                // v4+: key type, then a compact array of keys; the first one is enough here.
                keyType = request[pos++];
                var count = (int)KafkaWire.ReadUnsignedVarint(request, ref pos) - 1;
                if (count < 1)
                {
                    return false;
                }
                key = KafkaWire.ReadCompactString(request, ref pos);
                return key.Length > 0;
        }
    }
}
