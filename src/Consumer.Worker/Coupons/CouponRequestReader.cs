using System.Text;
using Confluent.Kafka;
using KafkaPractice.Consumer.Worker.Messaging;
using KafkaPractice.ServiceDefaults.Messages;
using KafkaPractice.ServiceDefaults.Messages.Coupons;

namespace KafkaPractice.Consumer.Worker.Coupons;

public sealed class CouponRequestReader : IMessageReader<CouponRequested>
{
    public CouponRequested Read(ConsumeResult<byte[], byte[]> record)
    {
        if (record.Message.Headers?.TryGetLastBytes(MessageHeaders.MessageType, out var type) == true
            && Encoding.ASCII.GetString(type) != CouponRequested.TypeName)
        {
            throw new InvalidMessageException($"Unexpected message type '{Encoding.ASCII.GetString(type)}' on {record.Topic}.");
        }
        if (record.Message.Value is null || record.Message.Value.Length == 0)
        {
            throw new InvalidMessageException("The record has no value.");
        }
        return CouponRequested.FromUtf8Json(record.Message.Value);
    }
}
