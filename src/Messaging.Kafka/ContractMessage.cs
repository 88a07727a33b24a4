using Confluent.Kafka;

namespace KafkaPractice.Messaging.Kafka;

/// <summary>Contract messages as Kafka records: the JSON body plus the type and version headers.</summary>
public static class ContractMessage
{
    public static Message<string, byte[]> Create<TContract>(string key, TContract message) where TContract : IMessageContract
    {
        var headers = new Headers();
        foreach (var (name, value) in MessageHeaders.ForContract<TContract>())
        {
            headers.Add(name, value);
        }
        return new Message<string, byte[]> { Key = key, Value = message.ToUtf8Json(), Headers = headers };
    }

    /// <summary>Whether the record's <c>message-type</c> header names <typeparamref name="TContract"/>.</summary>
    public static bool Is<TContract>(Headers? headers) where TContract : IMessageContract =>
        headers?.TryGetLastBytes(MessageHeaders.MessageType, out var type) == true
        && MessageHeaders.IsContract<TContract>(type);
}
