using Confluent.Kafka;

namespace KafkaPractice.Messaging.Kafka;

/// <summary>
/// The one way this system writes a record: inside a "send {topic}" span whose context travels in
/// the record's headers (so the consumer's span joins the same trace), awaited until the broker
/// acknowledges it (acks as the producer's settings say), and the outcome recorded on the span and
/// in <see cref="MessagingMetrics"/>. A failure is rethrown as it came (a
/// <see cref="ProduceException{TKey,TValue}"/> or <see cref="KafkaException"/>): what it means is the caller's call.
/// </summary>
public static class KafkaSend
{
    /// <summary>Sends a contract message with key <paramref name="key"/>, its type and version in the headers.</summary>
    public static Task<DeliveryResult<string, byte[]>> SendAsync<TContract>(
        this IProducer<string, byte[]> producer, string topic, string key, TContract message, CancellationToken cancellationToken = default)
        where TContract : IMessageContract =>
        producer.SendAsync(topic, ContractMessage.Create(key, message), cancellationToken);

    /// <summary>As <see cref="SendAsync{TContract}(IProducer{string, byte[]}, string, string, TContract, CancellationToken)"/>, to one partition.</summary>
    public static Task<DeliveryResult<string, byte[]>> SendAsync<TContract>(
        this IProducer<string, byte[]> producer, TopicPartition partition, string key, TContract message, CancellationToken cancellationToken = default)
        where TContract : IMessageContract
    {
        var record = ContractMessage.Create(key, message);
        return Traced(partition.Topic, record, () => producer.ProduceAsync(partition, record, cancellationToken));
    }

    /// <summary>Sends <paramref name="message"/> as it is (headers included), adding the trace context.</summary>
    public static Task<DeliveryResult<TKey, TValue>> SendAsync<TKey, TValue>(
        this IProducer<TKey, TValue> producer, string topic, Message<TKey, TValue> message, CancellationToken cancellationToken = default) =>
        Traced(topic, message, () => producer.ProduceAsync(topic, message, cancellationToken));

    private static async Task<DeliveryResult<TKey, TValue>> Traced<TKey, TValue>(
        string topic, Message<TKey, TValue> message, Func<Task<DeliveryResult<TKey, TValue>>> produce)
    {
        message.Headers ??= [];
        using var activity = KafkaTracing.StartSend(topic, message.Headers);
        try
        {
            var result = await produce().ConfigureAwait(false);
            KafkaTracing.RecordDelivery(activity, result.TopicPartitionOffset);
            return result;
        }
        catch (Exception ex)
        {
            KafkaTracing.RecordError(activity, topic, ex);
            throw;
        }
    }
}
