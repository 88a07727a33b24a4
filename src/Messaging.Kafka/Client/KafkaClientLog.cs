using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace KafkaPractice.Messaging.Kafka.Client;

internal static partial class KafkaClientLog
{
    public static void Librdkafka(ILogger logger, LogMessage message)
    {
        var level = (int)message.Level switch
        {
            <= 3 => LogLevel.Error,
            4 => LogLevel.Warning,
            5 or 6 => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        LibrdkafkaMessage(logger, level, message.Name, message.Facility, message.Message);
    }

    [LoggerMessage(EventId = 4000, Message = "librdkafka {ClientName} [{Facility}] {KafkaMessage}")]
    private static partial void LibrdkafkaMessage(ILogger logger, LogLevel level, string clientName, string facility, string kafkaMessage);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Kafka client error {Code}: {Reason} (fatal: {IsFatal})")]
    public static partial void ClientError(ILogger logger, ErrorCode code, string reason, bool isFatal);
}
