using System.Buffers.Binary;

namespace KafkaPractice.Kafka.Emulator.Wire;

/// <summary>A fetched partition: its topic by name (Fetch v0-v12) or by id (v13+).</summary>
internal readonly record struct FetchedPartition(string? Topic, Guid TopicId, int Partition);

/// <summary>
/// What the forwarder needs of a Fetch request (versions 0-16): where MaxWaitMs sits, the wait and
/// MinBytes the client asked for, and the partitions it fetches.
/// </summary>
internal sealed class FetchRequest
{
    /// <summary>The newest version read here (the librdkafka 2.16 mock answers 0-16).</summary>
    public const short MaxVersion = 16;

    private FetchRequest(short version, int maxWaitOffset, int maxWaitMs, int minBytes, IReadOnlyList<FetchedPartition> partitions)
    {
        Version = version;
        MaxWaitOffset = maxWaitOffset;
        MaxWaitMs = maxWaitMs;
        MinBytes = minBytes;
        Partitions = partitions;
    }

    public short Version { get; }

    /// <summary>Offset of MaxWaitMs in the request (the frame without its size).</summary>
    public int MaxWaitOffset { get; }

    public int MaxWaitMs { get; }

    public int MinBytes { get; }

    /// <summary>The partitions named in the request; empty for an incremental fetch-session request that names none.</summary>
    public IReadOnlyList<FetchedPartition> Partitions { get; }

    /// <summary>Flexible versions (12+) answer with a v1 response header and compact fields.</summary>
    public bool Flexible => Version >= 12;

    /// <summary>
    /// Reads a Fetch request (the frame without its size). False for another API, a version
    /// outside 0-16, or a frame that does not parse.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> request, out FetchRequest? fetch)
    {
        fetch = null;
        if (request.Length < 10 || BinaryPrimitives.ReadInt16BigEndian(request) != KafkaApiKeys.Fetch)
        {
            return false;
        }
        var version = BinaryPrimitives.ReadInt16BigEndian(request[2..]);
        if (version is < 0 or > MaxVersion)
        {
            return false;
        }
        try
        {
            var flexible = version >= 12;
            var pos = KafkaWire.SkipRequestHeader(request, flexible);
            if (version <= 14)
            {
                pos += 4; // ReplicaId (v15+ carries it in a tagged field)
            }
            var maxWaitOffset = pos;
            var maxWaitMs = KafkaWire.ReadInt32(request, ref pos);
            var minBytes = KafkaWire.ReadInt32(request, ref pos);
            if (version >= 3)
            {
                pos += 4; // MaxBytes
            }
            if (version >= 4)
            {
                pos += 1; // IsolationLevel
            }
            if (version >= 7)
            {
                pos += 8; // SessionId, SessionEpoch
            }
            var partitions = new List<FetchedPartition>();
            var topics = KafkaWire.ReadArrayLength(request, ref pos, flexible);
            for (var t = 0; t < topics; t++)
            {
                string? topic = null;
                var topicId = Guid.Empty;
                if (version >= 13)
                {
                    topicId = new Guid(request.Slice(pos, 16), bigEndian: true);
                    pos += 16;
                }
                else
                {
                    topic = KafkaWire.ReadString(request, ref pos, flexible);
                }
                var count = KafkaWire.ReadArrayLength(request, ref pos, flexible);
                for (var p = 0; p < count; p++)
                {
                    var partition = KafkaWire.ReadInt32(request, ref pos);
                    pos += (version >= 9 ? 4 : 0) // CurrentLeaderEpoch
                        + 8 // FetchOffset
                        + (version >= 12 ? 4 : 0) // LastFetchedEpoch
                        + (version >= 5 ? 8 : 0) // LogStartOffset
                        + 4; // PartitionMaxBytes
                    if (flexible)
                    {
                        KafkaWire.SkipTaggedFields(request, ref pos);
                    }
                    partitions.Add(new FetchedPartition(topic, topicId, partition));
                }
                if (flexible)
                {
                    KafkaWire.SkipTaggedFields(request, ref pos);
                }
            }
            if (pos > request.Length)
            {
                return false;
            }
            fetch = new FetchRequest(version, maxWaitOffset, maxWaitMs, minBytes, partitions);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or IndexOutOfRangeException or FormatException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Sets MaxWaitMs in <paramref name="request"/> (the frame without its size) to <paramref name="value"/>.</summary>
    public void WriteMaxWait(Span<byte> request, int value) => BinaryPrimitives.WriteInt32BigEndian(request[MaxWaitOffset..], value);
}
