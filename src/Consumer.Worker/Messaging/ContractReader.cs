using System.Text;
using Confluent.Kafka;
using KafkaPractice.ServiceDefaults.Messages;

namespace KafkaPractice.Consumer.Worker.Messaging;

/// <summary>
/// Reads a record whose value is one of the versioned contracts in ServiceDefaults/Messages:
/// refuses another message type (by the <c>message-type</c> header) or an empty value, then
/// lets the contract parse its own JSON. Every refusal is an <see cref="InvalidMessageException"/>.
/// </summary>
public sealed class ContractReader<TMessage>(string typeName, Func<byte[], TMessage> parse) : IMessageReader<TMessage>
{
    public TMessage Read(ConsumeResult<byte[], byte[]> record)
    {
        if (record.Message.Headers?.TryGetLastBytes(MessageHeaders.MessageType, out var type) == true
            && Encoding.ASCII.GetString(type) != typeName)
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
