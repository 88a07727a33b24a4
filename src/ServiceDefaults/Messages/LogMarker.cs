using System.Text;
using Confluent.Kafka;

namespace KafkaPractice.ServiceDefaults.Messages;

/// <summary>
/// A record with no business content that a producer writes to learn where a partition's log
/// stands: once it is acknowledged (acks=all), every record the leader took before it on that
/// partition is replicated too, so once a consumer group has committed past it, each such record
/// has been processed or never will be (it was truncated away). Consumers skip it, and commit
/// past it like any other record.
/// </summary>
public static class LogMarker
{
    public const string TypeName = "LogMarker";
    public const int CurrentVersion = 1;

    /// <summary>A marker on the partition of <paramref name="key"/>; <paramref name="purpose"/> says who wrote it and why (for a reader of the log).</summary>
    public static Message<string, byte[]> Create(string key, string purpose) => new()
    {
        Key = key,
        Value = VersionedJson.Write(new { version = CurrentVersion, purpose }),
        Headers = MessageHeaders.ForContract(TypeName, CurrentVersion),
    };

    public static bool Is(Headers? headers) =>
        headers?.TryGetLastBytes(MessageHeaders.MessageType, out var type) == true
        && type.AsSpan().SequenceEqual(TypeNameBytes);

    private static readonly byte[] TypeNameBytes = Encoding.ASCII.GetBytes(TypeName);
}
