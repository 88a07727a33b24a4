using System.Text;
using Confluent.Kafka;
using KafkaPractice.Messaging;

namespace KafkaPractice.Consumer.Worker.Messaging;

/// <summary>
/// Reads a record whose value is one of the versioned contracts in src/Messaging.Contracts:
/// refuses another message type (by the <c>message-type</c> header) or an empty value, then
/// lets the contract parse its own JSON. Every refusal is an <see cref="InvalidMessageException"/>.
/// </summary>
public sealed class ContractReader<TMessage>(Func<byte[], TMessage> parse) : IMessageReader<TMessage>
    where TMessage : IMessageContract
{
    public TMessage Read(ConsumeResult<byte[], byte[]> record)
    {
        if (record.Message.Headers?.TryGetLastBytes(MessageHeaders.MessageType, out var type) == true
            && !MessageHeaders.IsContract<TMessage>(type))
        {
            throw new InvalidMessageException($"Unexpected message type '{Encoding.ASCII.GetString(type)}' on {record.Topic}.");
        }
        if (record.Message.Value is null || record.Message.Value.Length == 0)
        {
            throw new InvalidMessageException("The record has no value.");
        }
        return parse(record.Message.Value);
    }
}
