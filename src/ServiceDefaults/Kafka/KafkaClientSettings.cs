namespace KafkaPractice.ServiceDefaults.Kafka;

/// <summary>
/// Settings shared by every Kafka client, bound from configuration section
/// <c>Kafka:Producer</c> or <c>Kafka:Consumer</c>. <see cref="Config"/> holds librdkafka keys
/// (e.g. <c>linger.ms</c>) and wins over the defaults set in code, except for the durability
/// settings the topology owns (<c>acks</c>, <c>enable.idempotence</c>).
/// </summary>
public abstract class KafkaClientSettings
{
    /// <summary>Bootstrap servers; taken from <c>ConnectionStrings:{name}</c> when not set here.</summary>
    public string? BootstrapServers { get; set; }

    public Dictionary<string, string> Config { get; set; } = [];

    public bool DisableHealthChecks { get; set; }

    public bool DisableTracing { get; set; }

    public bool DisableMetrics { get; set; }

    /// <summary>How often librdkafka reports statistics for the metrics; 0 turns them off.</summary>
    public int StatisticsIntervalMs { get; set; } = 5000;

    /// <summary>How long the health check waits for cluster metadata.</summary>
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

public sealed class KafkaProducerSettings : KafkaClientSettings
{
    public const string SectionName = "Kafka:Producer";

    /// <summary>
    /// How long librdkafka keeps trying to deliver a record before the send fails. It bounds how
    /// long an HTTP request waits for an acks=all answer, so it is short by default.
    /// </summary>
    public int MessageTimeoutMs { get; set; } = 5000;
}

public sealed class KafkaConsumerSettings : KafkaClientSettings
{
    public const string SectionName = "Kafka:Consumer";

    /// <summary>
    /// Short enough that a restarted consumer rejoins its group quickly (a group whose members
    /// all left is held rebalancing for about this long), long enough to ride out a GC pause.
    /// </summary>
    public int SessionTimeoutMs { get; set; } = 6000;
}
