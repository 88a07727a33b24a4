using System.Globalization;
using System.Text;

namespace KafkaPractice.Messaging;

/// <summary>Record header names every producer and consumer of this system agrees on.</summary>
public static class MessageHeaders
{
    /// <summary>The contract's name, e.g. <c>MemberRegistrationRequested</c>.</summary>
    public const string MessageType = "message-type";

    /// <summary>The contract's version as a decimal string; the body carries it too.</summary>
    public const string MessageVersion = "message-version";

    /// <summary>
    /// The headers every record of a contract starts with: its type and version. Built once per
    /// contract and shared by every record (a producer copies header values when it sends), so
    /// the arrays must not be changed.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, byte[]>> ForContract<TContract>() where TContract : IMessageContract =>
        HeadersOf<TContract>.Values;

    /// <summary>Whether a <see cref="MessageType"/> header value names <typeparamref name="TContract"/>.</summary>
    public static bool IsContract<TContract>(ReadOnlySpan<byte> messageType) where TContract : IMessageContract =>
        messageType.SequenceEqual(NameOf<TContract>.Bytes);

    // Written on dead-lettered records, next to the original headers.
    public const string DeadLetterError = "dlt-error";
    public const string DeadLetterErrorType = "dlt-error-type";
    public const string DeadLetterOriginalTopic = "dlt-original-topic";
    public const string DeadLetterOriginalPartition = "dlt-original-partition";
    public const string DeadLetterOriginalOffset = "dlt-original-offset";
    public const string DeadLetterConsumerGroup = "dlt-consumer-group";
    public const string DeadLetterFailedAt = "dlt-failed-at";

    private static class NameOf<TContract> where TContract : IMessageContract
    {
        public static readonly byte[] Bytes = Encoding.ASCII.GetBytes(TContract.ContractName);
    }

    private static class HeadersOf<TContract> where TContract : IMessageContract
    {
        public static readonly IReadOnlyList<KeyValuePair<string, byte[]>> Values =
        [
            new(MessageType, NameOf<TContract>.Bytes),
            new(MessageVersion, Encoding.ASCII.GetBytes(TContract.ContractVersion.ToString(CultureInfo.InvariantCulture))),
        ];
    }
}
