using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace KafkaPractice.ServiceDefaults.Messages;

/// <summary>Record header names every producer and consumer of this system agrees on.</summary>
public static class MessageHeaders
{
    /// <summary>The contract's name, e.g. <c>MemberRegistrationRequested</c>.</summary>
    public const string MessageType = "message-type";

    /// <summary>The contract's version as a decimal string; the body carries it too.</summary>
    public const string MessageVersion = "message-version";

    /// <summary>The headers every record of a contract starts with: its type and version.</summary>
    public static Headers ForContract(string typeName, int version) => new()
    {
        { MessageType, Encoding.ASCII.GetBytes(typeName) },
        { MessageVersion, Encoding.ASCII.GetBytes(version.ToString(CultureInfo.InvariantCulture)) },
    };

    // Written on dead-lettered records, next to the original headers.
    public const string DeadLetterError = "dlt-error";
    public const string DeadLetterErrorType = "dlt-error-type";
    public const string DeadLetterOriginalTopic = "dlt-original-topic";
    public const string DeadLetterOriginalPartition = "dlt-original-partition";
    public const string DeadLetterOriginalOffset = "dlt-original-offset";
    public const string DeadLetterConsumerGroup = "dlt-consumer-group";
    public const string DeadLetterFailedAt = "dlt-failed-at";
}
