using System.Buffers.Binary;
using System.Text;

namespace KafkaPractice.Kafka.Emulator.Wire;

/// <summary>The Kafka protocol's primitive types, read from a request or response frame, and the frames the emulator writes itself.</summary>
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

    /// <summary>Skips a request header (v1, or v2 when <paramref name="flexible"/>): api key, version, correlation id, client id, tagged fields.</summary>
    public static int SkipRequestHeader(ReadOnlySpan<byte> request, bool flexible)
    {
        var pos = 8;
        var clientIdLength = BinaryPrimitives.ReadInt16BigEndian(request[pos..]);
        pos += 2 + Math.Max((short)0, clientIdLength);
        if (flexible)
        {
            SkipTaggedFields(request, ref pos);
        }
        return pos;
    }

    public static short ReadInt16(ReadOnlySpan<byte> s, ref int pos)
    {
        var value = BinaryPrimitives.ReadInt16BigEndian(s[pos..]);
        pos += 2;
        return value;
    }

    public static int ReadInt32(ReadOnlySpan<byte> s, ref int pos)
    {
        var value = BinaryPrimitives.ReadInt32BigEndian(s[pos..]);
        pos += 4;
        return value;
    }

    /// <summary>An array's element count: INT32, or an unsigned varint of count + 1 when <paramref name="compact"/>; -1 for null.</summary>
    public static int ReadArrayLength(ReadOnlySpan<byte> s, ref int pos, bool compact) =>
        compact ? (int)ReadUnsignedVarint(s, ref pos) - 1 : ReadInt32(s, ref pos);

    /// <summary>A string (INT16 length, or compact), -1 length for null.</summary>
    public static string ReadString(ReadOnlySpan<byte> s, ref int pos, bool compact) =>
        compact ? ReadCompactString(s, ref pos) : ReadString(s, ref pos);

    /// <summary>Skips a nullable bytes field (INT32 length, or compact) and returns its length (0 for null).</summary>
    public static int SkipBytes(ReadOnlySpan<byte> s, ref int pos, bool compact)
    {
        var length = compact ? (int)ReadUnsignedVarint(s, ref pos) - 1 : ReadInt32(s, ref pos);
        if (length <= 0)
        {
            return 0;
        }
        if (pos + length > s.Length)
        {
            throw new FormatException("Bytes field runs past the frame.");
        }
        pos += length;
        return length;
    }

    /// <summary>
    /// A whole request frame, size prefix included: header v1 (api key, version, correlation id,
    /// client id) followed by the body <paramref name="writeBody"/> writes. For the few requests the
    /// emulator sends its own mock brokers (ApiVersions at start, OffsetFetch for the offsets view).
    /// </summary>
    public static byte[] Request(short apiKey, short version, int correlationId, string clientId, Action<Stream>? writeBody = null) =>
        Frame(frame =>
        {
            WriteInt16(frame, apiKey);
            WriteInt16(frame, version);
            WriteInt32(frame, correlationId);
            WriteString(frame, clientId);
            writeBody?.Invoke(frame);
        });

    /// <summary>
    /// A whole response frame, size prefix included: header v0 (correlation id) followed by the body
    /// <paramref name="writeBody"/> writes. For the few answers the emulator gives clients itself.
    /// </summary>
    public static byte[] Response(int correlationId, Action<Stream> writeBody) =>
        Frame(frame =>
        {
            WriteInt32(frame, correlationId);
            writeBody(frame);
        });

    /// <summary>What <paramref name="write"/> writes, after its INT32 size.</summary>
    private static byte[] Frame(Action<Stream> write)
    {
        using var frame = new MemoryStream();
        WriteInt32(frame, 0); // the size, filled in below
        write(frame);
        var bytes = frame.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(bytes, bytes.Length - 4);
        return bytes;
    }

    public static void WriteInt16(Stream s, short value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteInt16BigEndian(b, value);
        s.Write(b);
    }

    public static void WriteInt32(Stream s, int value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(b, value);
        s.Write(b);
    }

    /// <summary>A (non-compact) STRING: INT16 length, then UTF-8 bytes.</summary>
    public static void WriteString(Stream s, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteInt16(s, checked((short)bytes.Length));
        s.Write(bytes);
    }
}
