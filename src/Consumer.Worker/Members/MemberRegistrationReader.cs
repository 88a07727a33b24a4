using System.Text;
using Confluent.Kafka;
using KafkaPractice.Consumer.Worker.Messaging;
using KafkaPractice.ServiceDefaults.Messages;
using KafkaPractice.ServiceDefaults.Messages.Members;

namespace KafkaPractice.Consumer.Worker.Members;

public sealed class MemberRegistrationReader : IMessageReader<MemberRegistrationRequested>
{
    public MemberRegistrationRequested Read(ConsumeResult<byte[], byte[]> record)
    {
        if (record.Message.Headers?.TryGetLastBytes(MessageHeaders.MessageType, out var type) == true
            && Encoding.ASCII.GetString(type) != MemberRegistrationRequested.TypeName)
        {
            throw new InvalidMessageException($"Unexpected message type '{Encoding.ASCII.GetString(type)}' on {record.Topic}.");
        }
        if (record.Message.Value is null || record.Message.Value.Length == 0)
        {
            throw new InvalidMessageException("The record has no value.");
        }
        return MemberRegistrationRequested.FromUtf8Json(record.Message.Value);
    }
}
