using System.Buffers.Binary;
using System.Text;

namespace KafkaPractice.Kafka.Emulator.Wire;

/// <summary>The Kafka protocol's primitive types, read from a request or response frame.</summary>
internal static class KafkaWire
{
    public static string ReadString(ReadOnlySpan<byte> s, ref int pos)
    {
        var length = BinaryPrimitives.ReadInt16BigEndian(s[pos..]);
        pos += 2;
        if (length <= 0)
        {
            return "";
        }
        var value = Encoding.UTF8.GetString(s.Slice(pos, length));
        pos += length;
        return value;
    }

    public static string ReadCompactString(ReadOnlySpan<byte> s, ref int pos)
    {
        var length = (int)ReadUnsignedVarint(s, ref pos) - 1;
        if (length <= 0)
        {
            return "";
        }
        var value = Encoding.UTF8.GetString(s.Slice(pos, length));
        pos += length;
        return value;
    }

    public static void SkipTaggedFields(ReadOnlySpan<byte> s, ref int pos)
    {
        var count = ReadUnsignedVarint(s, ref pos);
        for (uint i = 0; i < count; i++)
        {
            _ = ReadUnsignedVarint(s, ref pos);
            var size = (int)ReadUnsignedVarint(s, ref pos);
            pos += size;
        }
    }

    public static uint ReadUnsignedVarint(ReadOnlySpan<byte> s, ref int pos)
    {
        uint value = 0;
        var shift = 0;
        while (true)
        {
            var b = s[pos++];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
            shift += 7;
            if (shift > 28)
            {
                throw new FormatException("Varint too long.");
            }
        }
    }
}
