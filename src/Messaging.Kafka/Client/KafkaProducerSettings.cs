using Confluent.Kafka;

namespace KafkaPractice.Messaging.Kafka.Client;

/// <summary>
/// A producer registered with <c>AddKafkaProducer</c>, bound from
/// <c>Aspire:Confluent:Kafka:Producer</c> (then <c>Aspire:Confluent:Kafka:Producer:{connectionName}</c>),
/// with the bootstrap servers from <c>ConnectionStrings:{connectionName}</c>. Shaped like
/// Aspire.Confluent.Kafka's settings class of the same name (docs/integrations.md).
/// </summary>
public sealed class KafkaProducerSettings : IKafkaClientSettings
{
    /// <summary>The bootstrap servers; when set, it replaces <c>Config.BootstrapServers</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>librdkafka's producer settings, bound by property name (e.g. <c>Config:LingerMs</c>).</summary>
    public ProducerConfig Config { get; set; } = new();

    public bool DisableHealthChecks { get; set; }

    public bool DisableTracing { get; set; }

    public bool DisableMetrics { get; set; }

    ClientConfig IKafkaClientSettings.ClientConfig => Config;
}
