using Confluent.Kafka;

namespace KafkaPractice.Messaging.Kafka.Client;

/// <summary>What the producer and consumer settings share, for the registration code.</summary>
internal interface IKafkaClientSettings
{
    string? ConnectionString { get; set; }

    ClientConfig ClientConfig { get; }

    bool DisableHealthChecks { get; }

    bool DisableTracing { get; }

    bool DisableMetrics { get; }
}
