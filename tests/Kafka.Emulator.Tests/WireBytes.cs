using System.Text;

namespace KafkaPractice.Kafka.Emulator.Tests;

/// <summary>
/// Kafka protocol primitives written by hand into a request, as a pure-protocol client writes them:
/// big-endian integers and INT16-length strings, independent of the emulator's own wire code.
/// </summary>
internal static class WireBytes
{
    public static void Int16(List<byte> b, short v) => b.AddRange([(byte)(v >> 8), (byte)v]);

    public static void Int32(List<byte> b, int v) => b.AddRange([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);

    public static void Int64(List<byte> b, long v)
    {
        Int32(b, (int)(v >> 32));
        Int32(b, (int)v);
    }

    /// <summary>A STRING, or a NULLABLE_STRING's null (length -1).</summary>
    public static void String(List<byte> b, string? s)
    {
        if (s is null)
        {
            Int16(b, -1);
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(s);
        Int16(b, (short)bytes.Length);
        b.AddRange(bytes);
    }
}
