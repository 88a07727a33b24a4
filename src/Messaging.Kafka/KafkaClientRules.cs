using Confluent.Kafka;

namespace KafkaPractice.Messaging.Kafka;

/// <summary>
/// This system's rules for its Kafka clients, applied by each service through the registration's
/// <c>configureSettings</c>. Durability comes from the <see cref="KafkaTopology"/> and wins over
/// any configured value (a per-service override would silently weaken it), as does offset
/// handling; the rest are defaults that configuration may change.
/// </summary>
public static class KafkaClientRules
{
    /// <summary>The connection name the AppHost gives the cluster (<c>ConnectionStrings:kafka</c>).</summary>
    public const string ConnectionName = "kafka";

    /// <summary>
    /// How long librdkafka keeps trying to deliver a record before the send fails, unless
    /// configured: it bounds how long an HTTP request waits for an acks=all answer, so it is short.
    /// </summary>
    public const int DefaultMessageTimeoutMs = 5000;

    /// <summary>
    /// Short enough that a restarted consumer rejoins its group quickly (a group whose members all
    /// left is held rebalancing for about this long), long enough to ride out a GC pause.
    /// </summary>
    public const int DefaultSessionTimeoutMs = 6000;

    /// <summary>The delivery report fields the producers ask for unless configured (<c>dotnet.producer.delivery.report.fields</c>).</summary>
    public const string DeliveryReportFields = "status";

    public static void ApplyProducerRules(ProducerConfig config, KafkaTopology topology)
    {
        config.MessageTimeoutMs ??= DefaultMessageTimeoutMs;
        // message.timeout.ms only expires records still queued; a request already sent waits for
        // request.timeout.ms (30 s by default) whatever the message timeout. Equal, they make the
        // message timeout the bound on an answer, also when a broker takes a request and never
        // answers (the record then fails as PossiblyPersisted).
        config.RequestTimeoutMs ??= config.MessageTimeoutMs;
        // Small batches with a short linger: the API waits for every record's acknowledgement.
        config.LingerMs ??= 5;
        // What a delivery report carries back: the status (sent, possibly sent) besides the
        // partition and offset, which it always has. By default the client copies every record's
        // headers, key and value back out of librdkafka into new objects when the
        // acknowledgement arrives, which nothing here reads: at 5,000 registrations a second
        // that was a tenth of the API's allocations (docs/performance.md, "The API's allocations").
        config.DeliveryReportFields ??= DeliveryReportFields;
        config.Set("acks", topology.Acks);
        config.EnableIdempotence = topology.EnableIdempotence;
    }

    public static void ApplyConsumerRules(ConsumerConfig config)
    {
        config.AutoOffsetReset ??= AutoOffsetReset.Earliest;
        // Offsets are committed explicitly, after the database transaction commits.
        config.EnableAutoCommit = false;
        config.EnableAutoOffsetStore = false;
        config.SessionTimeoutMs ??= DefaultSessionTimeoutMs;
        config.HeartbeatIntervalMs ??= Math.Max(500, config.SessionTimeoutMs.Value / 3);
    }
}

/// <summary>How long a send may wait for its acknowledgement (the producer's <c>message.timeout.ms</c>).</summary>
public sealed record ProduceTimeout(TimeSpan Value)
{
    public static ProduceTimeout Of(ProducerConfig config) =>
        new(TimeSpan.FromMilliseconds(config.MessageTimeoutMs ?? KafkaClientRules.DefaultMessageTimeoutMs));
}
