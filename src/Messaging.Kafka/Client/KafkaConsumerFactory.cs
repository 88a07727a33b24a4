using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace KafkaPractice.Messaging.Kafka.Client;

/// <summary>Creates consumers that share the bound settings, the client log and the statistics metrics.</summary>
public sealed class KafkaConsumerFactory<TKey, TValue>(ConsumerConfig baseConfig, ILogger logger, KafkaClientMetrics? metrics)
{
    /// <summary>A consumer of group <paramref name="groupId"/>; <paramref name="configure"/> adds handlers (e.g. partition assignment).</summary>
    public IConsumer<TKey, TValue> Create(string groupId, string? clientId, Action<ConsumerBuilder<TKey, TValue>>? configure = null)
    {
        var config = new ConsumerConfig(new Dictionary<string, string>(baseConfig)) { GroupId = groupId };
        if (clientId is not null)
        {
            config.ClientId = clientId;
        }
        var builder = new ConsumerBuilder<TKey, TValue>(config)
            .SetLogHandler((_, m) => KafkaClientLog.Librdkafka(logger, m))
            .SetErrorHandler((_, e) => KafkaClientLog.ClientError(logger, e.Code, e.Reason, e.IsFatal));
        if (metrics is not null && (config.StatisticsIntervalMs ?? 0) > 0)
        {
            builder.SetStatisticsHandler((_, json) => metrics.Record(json));
        }
        configure?.Invoke(builder);
        return builder.Build();
    }
}
