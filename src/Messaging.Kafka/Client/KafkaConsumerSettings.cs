using Confluent.Kafka;

namespace KafkaPractice.Messaging.Kafka.Client;

/// <summary>
/// A consumer registered with <c>AddKafkaConsumer</c>, bound from
/// <c>Aspire:Confluent:Kafka:Consumer</c> (then <c>Aspire:Confluent:Kafka:Consumer:{connectionName}</c>),
/// with the bootstrap servers from <c>ConnectionStrings:{connectionName}</c>. Shaped like
/// Aspire.Confluent.Kafka's settings class of the same name (docs/integrations.md).
/// </summary>
public sealed class KafkaConsumerSettings : IKafkaClientSettings
{
    /// <summary>The bootstrap servers; when set, it replaces <c>Config.BootstrapServers</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>librdkafka's consumer settings, bound by property name (e.g. <c>Config:GroupId</c>).</summary>
    public ConsumerConfig Config { get; set; } = new();

    public bool DisableHealthChecks { get; set; }

    public bool DisableTracing { get; set; }

    public bool DisableMetrics { get; set; }

    ClientConfig IKafkaClientSettings.ClientConfig => Config;
}
