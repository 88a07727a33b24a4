using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace KafkaPractice.ServiceDefaults.Kafka;

/// <summary>Creates consumers that share the bound settings, logging and statistics metrics.</summary>
public sealed class KafkaConsumerFactory<TKey, TValue>(
    ConsumerConfig baseConfig,
    KafkaConsumerSettings settings,
    ILoggerFactory loggerFactory,
    KafkaClientMetrics? metrics)
{
    public KafkaConsumerSettings Settings { get; } = settings;

    public IConsumer<TKey, TValue> Create(string groupId, string clientId, Action<ConsumerBuilder<TKey, TValue>>? configure = null)
    {
        var config = new ConsumerConfig(new Dictionary<string, string>(baseConfig))
        {
            GroupId = groupId,
            ClientId = clientId,
        };
        var logger = loggerFactory.CreateLogger("KafkaPractice.Kafka.Consumer");
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
