using System.Globalization;
using System.Text;
using Confluent.Kafka;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Kafka;

namespace KafkaPractice.Consumer.Worker.Messaging;

/// <summary>
/// Sends a record that can never be processed to <c>{topic}.dlt</c>: same key, value and headers,
/// plus headers saying what went wrong and where the record came from. Awaited with acks=all, so
/// the original offset is committed only once the dead letter is safe.
/// </summary>
public sealed class DeadLetterPublisher(IProducer<byte[], byte[]> producer, TimeProvider time)
{
    public async Task PublishAsync(ConsumeResult<byte[], byte[]> record, string consumerGroup, Exception error, CancellationToken cancellationToken)
    {
        var headers = new Headers();
        foreach (var header in record.Message.Headers ?? [])
        {
            headers.Add(header.Key, header.GetValueBytes());
        }
        Add(headers, MessageHeaders.DeadLetterError, error.Message);
        Add(headers, MessageHeaders.DeadLetterErrorType, error.GetType().FullName ?? error.GetType().Name);
        Add(headers, MessageHeaders.DeadLetterOriginalTopic, record.Topic);
        Add(headers, MessageHeaders.DeadLetterOriginalPartition, record.Partition.Value.ToString(CultureInfo.InvariantCulture));
        Add(headers, MessageHeaders.DeadLetterOriginalOffset, record.Offset.Value.ToString(CultureInfo.InvariantCulture));
        Add(headers, MessageHeaders.DeadLetterConsumerGroup, consumerGroup);
        Add(headers, MessageHeaders.DeadLetterFailedAt, time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));

        var topic = new TopicDefinition { Name = record.Topic }.DeadLetterTopic;
        await producer.SendAsync(topic, new Message<byte[], byte[]>
        {
            Key = record.Message.Key,
            Value = record.Message.Value,
            Headers = headers,
        }, cancellationToken).ConfigureAwait(false);
    }

    private static void Add(Headers headers, string key, string value)
    {
        headers.Remove(key);
        headers.Add(key, Encoding.UTF8.GetBytes(value));
    }
}
